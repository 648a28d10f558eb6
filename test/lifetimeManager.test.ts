// A session's lifetime through real managers: the stand-in over HTTP, fake-indexeddb, real time with limits
// of a few hundred milliseconds. Two managers of one page share what two tabs share (the store, the lock and
// the channel), and stand for two tabs here; test/browser/lifetime.browser.test.ts has the real tabs.
import { focusManager } from '@tanstack/query-core';
import { describe, expect, it, vi } from 'vitest';
import type { KeyValueStore, SessionEvent } from '../src/index';
import { createSessionManager } from '../src/index';
import { manager, readRecord, tick } from './helpers/managers';
import { patience, startStandIn } from './helpers/standIn';

/** A store that counts what is written to it, as IndexedDB would hold it (a structured clone). */
function countingStore(): KeyValueStore & { writes: number } {
  const records = new Map<string, unknown>();
  return {
    writes: 0,
    get: async (key) => structuredClone(records.get(key)),
    set: async (key, value) => {
      records.set(key, structuredClone(value));
    },
    del: async (key) => {
      records.delete(key);
    },
    async update(key, updater) {
      this.writes += 1;
      records.set(key, structuredClone(updater(structuredClone(records.get(key)))));
    },
  };
}

const knowledgeCalls = (server: Awaited<ReturnType<typeof startStandIn>>['server']) =>
  server.log.filter((entry) => entry.call === 'top');

describe('a warm start with a lifetime', () => {
  it('is ready after one store read, with no request, when the stored session is within its limits', async () => {
    const { server, baseUrl } = await startStandIn();
    const { sessionId } = await manager({ baseUrl }).ready();
    const m = manager({ baseUrl, idleTimeoutMs: 60_000, maxAgeMs: 600_000, revalidate: false });
    expect((await m.ready()).sessionId).toBe(sessionId);
    expect(m.getSnapshot().change?.reason).toBe('restored');
    await tick(50);
    expect(server.log.map((entry) => entry.call)).toEqual(['create']);
  });

  it('creates one session with the same identity and visit values when the stored one idled past the limit', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl, idleTimeoutMs: 200, customerId: 'c-1', visitId: 'v-1' });
    const { sessionId: old } = await first.ready();
    first.destroy();
    await tick(300); // past 1.1 × 200 ms
    const m = manager({ baseUrl, idleTimeoutMs: 200, revalidate: false });
    const renewed = await m.ready();
    expect(renewed.sessionId).not.toBe(old);
    expect(renewed).toMatchObject({ customerId: 'c-1', visitId: 'v-1' });
    expect(server.calls('create')).toHaveLength(2);
    expect(server.calls('create')[1]).toMatchObject({ customerId: 'c-1', body: { visitId: 'v-1' } });
    expect(m.getSnapshot().change).toMatchObject({ reason: 'expired', sessionId: renewed.sessionId });
    // Stored as a Create (an older version of the library reads it), and said to be a renewal.
    expect(await readRecord(baseUrl)).toMatchObject({
      reason: 'created',
      session: { sessionId: renewed.sessionId },
    });
    expect((await readRecord(baseUrl)).renewed).toBeGreaterThan(0);
  });
});

describe('a session in use', () => {
  it('is renewed once older than maxAgeMs, however busy, and no request goes out on it after', async () => {
    const { server, baseUrl } = await startStandIn();
    // When each session was established here, and when each Knowledge request left (the real fetch, timed).
    const born = new Map<string, number>();
    const sent: { sessionId: string | null; at: number }[] = [];
    const m = manager({
      baseUrl,
      maxAgeMs: 300,
      onEvent: (event) => {
        if (event.type === 'established' && event.sessionId) born.set(event.sessionId, Date.now());
      },
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (url.pathname.endsWith('/top'))
          sent.push({ sessionId: url.searchParams.get('sessionId'), at: Date.now() });
        return globalThis.fetch(input, init);
      },
    });
    await m.ready();
    const began = Date.now();
    // A request every 20 ms, until the third session (born at 0, renewed past 300 ms and past 600 ms) is used.
    while (new Set(sent.map((request) => request.sessionId)).size < 3 && Date.now() - began < 5000) {
      await m.fetch('kbs/support/top');
      await tick(20);
    }
    expect(server.calls('create')).toHaveLength(3);
    expect(born.size).toBe(3);
    for (const request of sent)
      expect(request.at - (born.get(request.sessionId ?? '') ?? Number.NaN)).toBeLessThan(300);
    expect(knowledgeCalls(server).map((call) => call.sessionId)).toEqual(
      sent.map((request) => request.sessionId),
    );
  });

  it('sends a request made after the limit on the successor, and lets one under way finish on the old one', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, idleTimeoutMs: 200 });
    const { sessionId: old } = await m.ready();
    server.faults = { delayMs: 400 };
    const underWay = m.fetch('kbs/support/top');
    await tick(300);
    server.faults = {};
    const after = await m.fetch('kbs/support/top');
    expect(after.status).toBe(200);
    expect((await underWay).status).toBe(200);
    const [slow, next] = knowledgeCalls(server);
    expect(slow?.sessionId).toBe(old);
    expect(next?.sessionId).not.toBe(old);
    expect(next?.sessionId).toBe(m.getSnapshot().session?.sessionId);
    expect(server.calls('create')).toHaveLength(2);
  });

  it('sends a change made after the limit in the Create of the successor, never as an Update of the expired one', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, idleTimeoutMs: 200, coalesceMs: 0 });
    const { sessionId: old } = await m.ready();
    await tick(300);
    const acknowledged = await m.update({ visitId: 'v-late' });
    expect(acknowledged.sessionId).not.toBe(old);
    expect(server.calls('update')).toEqual([]);
    expect(server.calls('create')[1]?.body).toMatchObject({ visitId: 'v-late' });
    expect(m.getSnapshot()).toMatchObject({ pendingUpdates: 0, change: { reason: 'expired' } });
  });

  it('sends nothing on the expired session when its renewal fails, and renews it at the next use', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, idleTimeoutMs: 200, visitId: 'v-1' });
    const { sessionId: old } = await m.ready();
    await tick(300);
    server.faults = { down: true };
    await expect(m.fetch('kbs/support/top')).rejects.toMatchObject({ code: 'network' });
    expect(m.getSnapshot()).toMatchObject({ status: 'error', session: null });
    expect(knowledgeCalls(server)).toEqual([]);
    server.faults = {};
    expect((await m.fetch('kbs/support/top')).status).toBe(200);
    const [call] = knowledgeCalls(server).filter((entry) => entry.status === 200);
    expect(call?.sessionId).not.toBe(old);
    expect(server.sessions.get(call?.sessionId ?? '')).toMatchObject({ visitId: 'v-1' });
    expect(m.getSnapshot().change?.reason).toBe('expired');
  });

  it('renews the session when the page comes back to the foreground after the limit', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, idleTimeoutMs: 200 });
    const { sessionId: old } = await m.ready();
    await tick(300);
    window.dispatchEvent(new Event('visibilitychange'));
    await vi.waitFor(() => expect(m.getSnapshot().change?.reason).toBe('expired'), patience);
    expect(m.getSnapshot().session?.sessionId).not.toBe(old);
    expect(server.calls('create')).toHaveLength(2);
  });

  it('reports the expiry in the trace', async () => {
    const { baseUrl } = await startStandIn();
    const trace: SessionEvent[] = [];
    const m = manager({ baseUrl, idleTimeoutMs: 200, onEvent: (event) => trace.push(event) });
    const { sessionId: old } = await m.ready();
    await tick(300);
    const { sessionId } = await m.ready();
    const expiry = trace.findIndex((event) => event.type === 'expired');
    expect(trace[expiry]).toMatchObject({ reason: 'expired', sessionId: old, phase: 'replacing' });
    expect(trace.slice(expiry).find((event) => event.type === 'established')).toMatchObject({
      reason: 'expired',
      sessionId,
      phase: 'ready',
    });
  });
});

describe('two tabs', () => {
  it("keeps the session of a tab that was used for a tab that idled past the timeout: the session is the active one's", async () => {
    const { server, baseUrl } = await startStandIn();
    const storage = countingStore();
    const active = manager({ baseUrl, storage, idleTimeoutMs: 600 });
    const idle = manager({ baseUrl, storage, idleTimeoutMs: 600 });
    const { sessionId } = await active.ready();
    expect((await idle.ready()).sessionId).toBe(sessionId);
    const from = Date.now();
    while (Date.now() - from < 1500) {
      await active.fetch('kbs/support/top');
      await tick(25);
    }
    await idle.fetch('kbs/support/top');
    expect(knowledgeCalls(server).at(-1)?.sessionId).toBe(sessionId);
    expect(idle.getSnapshot().session?.sessionId).toBe(sessionId);
    expect(server.calls('create')).toHaveLength(1);
    // At most one write per tenth of the timeout (60 ms) of use: about 25 in 1500 ms, not one per request.
    expect(storage.writes).toBeLessThanOrEqual(2 + Math.ceil(1500 / 60));
  });

  it('creates one session when both idled past the limit and are used together, and both take it', async () => {
    const { server, baseUrl } = await startStandIn();
    const storage = countingStore();
    const tabs = [1, 2, 3].map(() => manager({ baseUrl, storage, idleTimeoutMs: 400, visitId: 'v-1' }));
    const [{ sessionId: old }] = (await Promise.all(tabs.map((tab) => tab.ready()))) as [
      { sessionId: string },
    ];
    await tick(600);
    const answers = await Promise.all(tabs.map((tab) => tab.fetch('kbs/support/top')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(server.calls('create')).toHaveLength(2);
    const successor = server.calls('create')[1];
    expect(successor?.body).toMatchObject({ visitId: 'v-1' });
    const ids = knowledgeCalls(server).map((call) => call.sessionId);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).not.toBe(old);
    const changes = tabs.map((tab) => tab.getSnapshot().change);
    expect(changes.every((change) => change?.reason === 'expired' && change.sessionId === ids[0])).toBe(true);
    expect(changes.filter((change) => !change?.remote)).toHaveLength(1); // the tab that renewed it
  });
});

describe('without a lifetime', () => {
  it('costs nothing: no write per request, no listener', async () => {
    const { baseUrl } = await startStandIn();
    const listeners = () => (focusManager as unknown as { listeners: Set<unknown> }).listeners.size;
    const none = listeners();
    const plain = countingStore();
    const m = manager({ baseUrl, storage: plain });
    await m.ready();
    const written = plain.writes;
    for (let i = 0; i < 20; i++) await m.fetch('kbs/support/top');
    await m.ready();
    expect(plain.writes).toBe(written);
    expect(listeners()).toBe(none + 1); // its update queue's, which resends on focus

    const timed = countingStore();
    const lived = manager({ baseUrl, storage: timed, idleTimeoutMs: 100 });
    await lived.ready();
    await tick(20);
    await lived.fetch('kbs/support/top');
    expect(listeners()).toBe(none + 3); // its update queue's, and its foreground check
    lived.destroy();
    m.destroy();
    expect(listeners()).toBe(none);
    // A destroyed manager's calls neither listen nor write.
    const writes = timed.writes;
    await expect(lived.fetch('kbs/support/top')).rejects.toMatchObject({ name: 'DestroyedError' });
    await expect(lived.ready()).rejects.toMatchObject({ name: 'DestroyedError' });
    const unused = manager({ baseUrl, storage: countingStore(), idleTimeoutMs: 100 });
    unused.destroy();
    await expect(unused.ready()).rejects.toMatchObject({ name: 'DestroyedError' });
    await tick(20);
    expect(listeners()).toBe(none);
    expect(timed.writes).toBe(writes);
  });

  it('refuses a limit that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '60000'])
      for (const name of ['idleTimeoutMs', 'maxAgeMs'])
        expect(() => createSessionManager({ baseUrl: '/x', [name]: bad })).toThrow(
          new TypeError(`${name} must be a number > 0, got ${String(bad)}`),
        );
  });
});
