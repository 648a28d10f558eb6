import { describe, expect, it, vi } from 'vitest';
import { DestroyedError, NetworkError, type SessionSnapshot, StorageError } from '../src/index';
import { fastRetry, manager, readRecord, storedRecord, tick, writeRecord } from './helpers/managers';
import { patience, startStandIn } from './helpers/standIn';

describe('page load', () => {
  it('creates one session on a cold start, carrying the identity and visit ids, and stores it', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, customerId: 'c-1', visitId: 'v-1', globalVisitId: 'g-1' });
    expect(m.getSnapshot().status).toBe('idle');
    const session = await m.ready();
    expect(server.calls('create')).toHaveLength(1);
    expect(server.calls('create')[0]).toMatchObject({
      customerId: 'c-1',
      body: { visitId: 'v-1', globalVisitId: 'g-1' },
    });
    expect(session).toMatchObject({ customerId: 'c-1', visitId: 'v-1', globalVisitId: 'g-1' });
    expect(m.getSnapshot()).toMatchObject({
      status: 'ready',
      storage: 'indexeddb',
      error: null,
      change: { reason: 'created', sessionId: session.sessionId, previousSessionId: null, remote: false },
    });
    expect(await readRecord(baseUrl)).toMatchObject({ v: 2, session: { sessionId: session.sessionId } });
  });

  it('reuses the stored session without waiting for the network, then checks it in the background', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl });
    const { sessionId } = await first.ready();
    first.destroy();

    server.faults = { delayMs: 300 };
    const second = manager({ baseUrl });
    const restored = await second.ready();
    expect(restored.sessionId).toBe(sessionId);
    expect(second.getSnapshot().change?.reason).toBe('restored');
    // The check is under way but not answered: ready() did not wait for it.
    await vi.waitFor(() => expect(server.calls('retrieve')).toHaveLength(1), patience);
    expect(server.calls('retrieve')[0]?.status).toBe(0);
    await vi.waitFor(() => expect(server.calls('retrieve')[0]?.status).toBe(200), patience);
    expect(server.log).toHaveLength(2); // the first load's Create, and this load's one Retrieve
  });

  it('sends nothing on a warm start with revalidate: false', async () => {
    const { server, baseUrl } = await startStandIn();
    await manager({ baseUrl }).ready();
    await manager({ baseUrl, revalidate: false }).ready();
    await tick(50);
    expect(server.log.map((entry) => entry.call)).toEqual(['create']);
  });

  it('adopts the new session a 9.x server answers for a lost one, re-sends the visit data and says why', async () => {
    const { server, baseUrl } = await startStandIn({ version: '9' });
    const { sessionId: lost } = await manager({ baseUrl, visitId: 'v-1', customerId: 'c-1' }).ready();
    server.forgetSessions();

    const m = manager({ baseUrl });
    expect((await m.ready()).sessionId).toBe(lost);
    await vi.waitFor(() => expect(m.getSnapshot().change?.reason).toBe('replaced'), patience);
    const { session, change } = m.getSnapshot();
    expect(session?.sessionId).not.toBe(lost);
    expect(change).toMatchObject({ previousSessionId: lost, remote: false });
    await vi.waitFor(() => expect(server.calls('update')).toHaveLength(1), patience);
    expect(server.sessions.get(session?.sessionId ?? '')).toMatchObject({
      customerId: 'c-1',
      visitId: 'v-1',
    });
    expect((await readRecord(baseUrl)).session.sessionId).toBe(session?.sessionId);
  });

  it('creates a new session with the same data when 8.5.1 says "Session not found"', async () => {
    const { server, baseUrl } = await startStandIn({ version: '8.5.1' });
    const { sessionId: lost } = await manager({ baseUrl, visitId: 'v-2' }).ready();
    server.forgetSessions();

    const m = manager({ baseUrl });
    await m.ready();
    await vi.waitFor(() => expect(m.getSnapshot().change?.reason).toBe('not-found'), patience);
    const fresh = m.getSnapshot().session;
    expect(fresh?.sessionId).not.toBe(lost);
    expect(server.calls('create')[1]).toMatchObject({ body: { visitId: 'v-2' } });
    expect((await readRecord(baseUrl)).session.sessionId).toBe(fresh?.sessionId);
  });

  it('discards a corrupt or old-format record and creates a session', async () => {
    const { server, baseUrl } = await startStandIn();
    for (const junk of [
      'not a record',
      { v: 0, sessionId: 'old' },
      { v: 1, session: { sessionId: 'an-old-format' }, savedAt: 1 },
    ]) {
      await writeRecord(baseUrl, junk);
      const m = manager({ baseUrl });
      const session = await m.ready();
      expect(session.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await readRecord(baseUrl)).session.sessionId).toBe(session.sessionId);
      m.destroy();
    }
    expect(server.calls('create')).toHaveLength(3);
  });

  it('sends the options visit values that differ from the stored session as one Update', async () => {
    const { server, baseUrl } = await startStandIn();
    const { sessionId } = await manager({ baseUrl, visitId: 'v-old' }).ready();
    const m = manager({ baseUrl, visitId: 'v-new' });
    expect(await m.ready()).toMatchObject({ sessionId, visitId: 'v-new' });
    await vi.waitFor(() => expect(server.sessions.get(sessionId)?.visitId).toBe('v-new'), patience);
    expect(server.log.map((entry) => entry.call)).toEqual(['create', 'update']);
  });
});

describe('exactly one create', () => {
  it('shares one attempt between concurrent ready() calls', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const sessions = await Promise.all([m.ready(), m.ready(), m.ready()]);
    expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(1);
    expect(server.calls('create')).toHaveLength(1);
  });

  it.each(['indexeddb', 'memory'] as const)(
    'gives several managers of one page one session (%s)',
    async (storage) => {
      const { server, baseUrl } = await startStandIn();
      const managers = Array.from({ length: 4 }, () => manager({ baseUrl, storage }));
      const sessions = await Promise.all(managers.map((m) => m.ready()));
      expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(1);
      expect(server.calls('create')).toHaveLength(1);
    },
  );

  it('goes ahead without the lock when its holder never lets go (a frozen tab)', async () => {
    const { server, baseUrl } = await startStandIn();
    const frozen = {
      // A holder that never releases: the request waits until its signal gives up.
      request: (_name: string, options: { signal?: AbortSignal }) =>
        new Promise<never>((_, reject) =>
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
        ),
    };
    const m = manager({ baseUrl, locks: frozen, lockTimeoutMs: 100 });
    const started = Date.now();
    await m.ready();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(server.calls('create')).toHaveLength(1);
  });

  it('waits past the lock bound for a holder that is slow but alive, rather than create a second session', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { delayMs: 500 }; // a Create five lock bounds long
    const first = manager({ baseUrl, lockTimeoutMs: 100 });
    const second = manager({ baseUrl, lockTimeoutMs: 100 });
    const [a, b] = await Promise.all([first.ready(), second.ready()]);
    expect(b.sessionId).toBe(a.sessionId);
    expect(server.calls('create')).toHaveLength(1);
  });

  it('re-reads the store inside the lock and adopts what another tab stored meanwhile', async () => {
    const { server, baseUrl } = await startStandIn();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Another tab holds the lock while it creates and stores a session.
    const locks = {
      request: async <T>(_name: string, _options: object, work: () => Promise<T>) => {
        await held;
        return work();
      },
    };
    const m = manager({ baseUrl, locks, BroadcastChannel: null });
    const pending = m.ready();
    await tick(30);
    await writeRecord(baseUrl, storedRecord({ sessionId: 'from-the-other-tab' }));
    release();
    expect((await pending).sessionId).toBe('from-the-other-tab');
    expect(server.calls('create')).toHaveLength(0);
  });
});

describe('identity', () => {
  it('keeps the session when an anonymous visitor identifies, and tells the server', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId } = await m.ready();
    const identified = await m.identify({ customerId: 'c-9' });
    expect(identified).toMatchObject({ sessionId, customerId: 'c-9' });
    expect(server.calls('update')[0]).toMatchObject({ sessionId, customerId: 'c-9' });
    expect(server.sessions.get(sessionId)?.customerId).toBe('c-9');
    expect(m.getSnapshot().change).toMatchObject({
      reason: 'identified',
      sessionId,
      previousSessionId: sessionId,
    });
    expect(await m.identify({ customerId: 'c-9' })).toMatchObject({ sessionId });
    expect(server.calls('update')).toHaveLength(1);
  });

  it('starts a new session when a different customer identifies', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, customerId: 'alice' });
    const alice = await m.ready();
    const bob = await m.identify({ customerId: 'bob' });
    expect(bob.sessionId).not.toBe(alice.sessionId);
    expect(server.calls('create')[1]).toMatchObject({ customerId: 'bob' });
    expect(server.calls('update')).toHaveLength(0);
    expect(m.getSnapshot().change).toMatchObject({
      reason: 'customer-changed',
      previousSessionId: alice.sessionId,
    });
  });

  it('never reuses a stored session of another customer at page load', async () => {
    const { server, baseUrl } = await startStandIn();
    const alice = await manager({ baseUrl, customerId: 'alice' }).ready();
    const bob = await manager({ baseUrl, customerId: 'bob' }).ready();
    expect(bob.sessionId).not.toBe(alice.sessionId);
    expect(server.calls('create')).toHaveLength(2);
  });

  it('identifies a stored anonymous session when the page starts for a customer', async () => {
    const { server, baseUrl } = await startStandIn();
    const anonymous = await manager({ baseUrl }).ready();
    const m = manager({ baseUrl, customerId: 'c-3' });
    expect(await m.ready()).toMatchObject({ sessionId: anonymous.sessionId, customerId: 'c-3' });
    await vi.waitFor(
      () => expect(server.sessions.get(anonymous.sessionId)?.customerId).toBe('c-3'),
      patience,
    );
    expect(server.calls('create')).toHaveLength(1);
  });

  it('identifies an agent on the same session, with the gkc_agentId header', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId } = await m.ready();
    expect(await m.identify({ agentId: 'agent-7' })).toMatchObject({ sessionId, agentId: 'agent-7' });
    expect(server.calls('update')[0]).toMatchObject({ sessionId, agentId: 'agent-7', customerId: null });
  });

  it('reports a reset the server cannot take, and creates the session at the next ready()', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, customerId: 'c-1' });
    const { sessionId: old } = await m.ready();
    server.faults = { down: true };
    await expect(m.reset()).rejects.toBeInstanceOf(NetworkError);
    expect(m.getSnapshot()).toMatchObject({ status: 'error', session: null });
    // The old session is forgotten all the same, in every tab: the record keeps only the new epoch.
    expect(await readRecord(baseUrl)).toMatchObject({ session: null, epoch: 1, reason: 'reset' });
    server.faults = {};
    const fresh = await m.ready();
    expect(fresh.sessionId).not.toBe(old);
    expect(fresh.customerId).toBeUndefined();
  });

  it('refuses an identity with CR or LF with a TypeError naming the field', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await expect(m.identify({ customerId: 'x\r\ny' })).rejects.toThrow(/customerId/);
    await expect(m.identify({ agentId: 'x\n' })).rejects.toThrow(TypeError);
    expect(server.log).toHaveLength(0);
  });

  it('reset() forgets the session in every manager and creates a new anonymous one', async () => {
    const { server, baseUrl } = await startStandIn();
    const here = manager({ baseUrl, customerId: 'c-1' });
    const there = manager({ baseUrl });
    const old = await here.ready();
    await there.ready();
    const fresh = await here.reset();
    expect(fresh.sessionId).not.toBe(old.sessionId);
    expect(fresh.customerId).toBeUndefined();
    expect(server.calls('create').at(-1)?.customerId).toBeNull();
    await vi.waitFor(() => expect(there.getSnapshot().session?.sessionId).toBe(fresh.sessionId), patience);
    expect(there.getSnapshot().change).toMatchObject({
      reason: 'reset',
      remote: true,
      previousSessionId: old.sessionId,
    });
    expect(server.calls('create')).toHaveLength(2);
  });
});

describe('snapshot and subscribe', () => {
  it('returns the same snapshot until something changes, and calls listeners after each change', async () => {
    const { baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const seen: SessionSnapshot[] = [];
    m.subscribe((snapshot) => seen.push(snapshot));
    const before = m.getSnapshot();
    expect(m.getSnapshot()).toBe(before);
    await m.ready();
    await tick();
    expect(m.getSnapshot()).not.toBe(before);
    expect(m.getSnapshot()).toBe(m.getSnapshot());
    expect(seen.at(-1)).toBe(m.getSnapshot());
    expect(seen.map((s) => s.status)).toContain('ready');
    expect(Object.isFrozen(m.getSnapshot())).toBe(true);
  });

  it('keeps a throwing listener subscribed, reports its error, and still calls the others', async () => {
    const { baseUrl } = await startStandIn();
    const reported = vi.fn();
    vi.stubGlobal('reportError', reported);
    const m = manager({ baseUrl });
    const thrower = vi.fn(() => {
      throw new Error('listener bug');
    });
    const other = vi.fn();
    const unsubscribe = m.subscribe(thrower);
    m.subscribe(other);
    await m.ready();
    await m.identify({ customerId: 'c' });
    await tick();
    expect(other.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(thrower.mock.calls.length).toBe(other.mock.calls.length);
    expect(reported).toHaveBeenCalledWith(expect.objectContaining({ message: 'listener bug' }));
    unsubscribe();
    vi.unstubAllGlobals();
  });

  it('resolves an identify called before the start when the stored session is already that customer’s', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl, customerId: 'bob' });
    const { sessionId } = await first.ready();
    first.destroy();
    const m = manager({ baseUrl });
    const identified = m.identify({ customerId: 'bob' });
    await expect(identified).resolves.toMatchObject({ sessionId, customerId: 'bob' });
    expect(m.getSnapshot().pendingUpdates).toBe(0);
    expect(server.calls('create')).toHaveLength(1);
  });

  it('lets a listener call back into the manager', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const results: string[] = [];
    let identified: Promise<unknown> | undefined;
    m.subscribe((snapshot) => {
      if (snapshot.status === 'ready' && results.length === 0) {
        results.push('ready');
        m.ready().then((session) => results.push(session.sessionId));
        identified = m.identify({ customerId: 'from-listener' });
      }
    });
    const { sessionId } = await m.ready();
    // The identify's own promise, not a polling deadline: under a loaded CI machine the Update
    // can take longer than vi.waitFor's second, and this test is about re-entrance, not speed.
    await identified;
    expect(server.sessions.get(sessionId)?.customerId).toBe('from-listener');
    expect(results).toEqual(['ready', sessionId]);
  });

  it('stops calling an unsubscribed listener', async () => {
    const { baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const listener = vi.fn();
    const unsubscribe = m.subscribe(listener);
    unsubscribe();
    await m.ready();
    await tick();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('failures', () => {
  it('rejects ready() with the typed error once retries are spent, and tries again on the next call', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { down: true };
    const m = manager({ baseUrl });
    const error = await m.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(m.getSnapshot()).toMatchObject({ status: 'error', error });
    expect(server.calls('create')).toHaveLength(fastRetry.attempts);

    server.faults = {};
    const session = await m.ready();
    expect(m.getSnapshot()).toMatchObject({ status: 'ready', error: null, session });
  });

  it('starts afresh when ready() is called from the handler of a failed one', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { down: true };
    const m = manager({ baseUrl });
    const session = await m.ready().catch(() => {
      server.faults = {};
      return m.ready();
    });
    expect(server.sessions.has(session.sessionId)).toBe(true);
  });

  it('keeps the session and shows the error when the background check fails', async () => {
    const { server, baseUrl } = await startStandIn();
    const { sessionId } = await manager({ baseUrl }).ready();
    server.faults = { failNext: { count: 10, status: 500 } };
    const m = manager({ baseUrl });
    await m.ready();
    await vi.waitFor(
      () => expect(m.getSnapshot().error).toMatchObject({ code: 'http', status: 500 }),
      patience,
    );
    expect(m.getSnapshot()).toMatchObject({ status: 'ready', session: { sessionId } });
  });
});

describe('storage', () => {
  const broken = (failure: () => Promise<never>) => ({ get: failure, set: failure, del: failure });

  it('goes on in memory when the custom store throws, and says why', async () => {
    const { baseUrl } = await startStandIn();
    const m = manager({ baseUrl, storage: broken(() => Promise.reject(new Error('disk on fire'))) });
    expect(m.getSnapshot().storage).toBe('custom');
    const session = await m.ready();
    const snapshot = m.getSnapshot();
    expect(snapshot.storage).toBe('memory');
    expect(snapshot.storageError).toBeInstanceOf(StorageError);
    expect(snapshot.storageError?.message).toMatch(/custom store failed to read.*disk on fire/);
    expect(snapshot.session?.sessionId).toBe(session.sessionId);
  });

  it('bounds a store that never answers (an open blocked by another tab): its bound, then lockTimeoutMs more', async () => {
    const { baseUrl } = await startStandIn();
    const never = broken(() => new Promise<never>(() => {}));
    const m = manager({ baseUrl, storage: never, storageTimeoutMs: 50, lockTimeoutMs: 100 });
    const began = Date.now();
    await m.ready();
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
    expect(m.getSnapshot()).toMatchObject({ storage: 'memory', status: 'ready' });
    expect(m.getSnapshot().storageError?.message).toMatch(/no answer within 150 ms/);
  });

  it('works in memory, and says so, where IndexedDB is missing', async () => {
    const { baseUrl } = await startStandIn();
    const saved = globalThis.indexedDB;
    // @ts-expect-error: taking IndexedDB away, as Firefox private windows of old did.
    delete globalThis.indexedDB;
    try {
      const m = manager({ baseUrl });
      expect(m.getSnapshot().storage).toBe('memory');
      await m.ready();
      expect(m.getSnapshot().status).toBe('ready');
    } finally {
      globalThis.indexedDB = saved;
    }
  });

  it('keeps the stored record when IndexedDB cannot be opened, rather than overwriting it', async () => {
    const { baseUrl } = await startStandIn();
    await writeRecord(baseUrl, storedRecord({ sessionId: 'kept' }));
    const open = vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The user denied permission', 'SecurityError');
    });
    try {
      const m = manager({ baseUrl });
      await m.ready();
      expect(m.getSnapshot().storageError?.message).toMatch(
        /IndexedDB failed to read the session \(SecurityError/,
      );
    } finally {
      open.mockRestore();
    }
    expect((await readRecord(baseUrl)).session.sessionId).toBe('kept');
  });
});

/** happy-dom's PageTransitionEvent ignores `persisted`: a page coming back from the back/forward cache. */
function pageTransition(type: 'pagehide' | 'pageshow'): Event {
  return Object.defineProperty(new Event(type), 'persisted', { value: true });
}

describe('teardown', () => {
  it('rejects pending ready() calls, aborts the request in flight, and is idempotent', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { delayMs: 200 };
    const m = manager({ baseUrl });
    const pending = m.ready();
    await vi.waitFor(() => expect(server.calls('create')).toHaveLength(1), patience);
    m.destroy();
    m.destroy();
    await expect(pending).rejects.toBeInstanceOf(DestroyedError);
    expect(m.getSnapshot().status).toBe('destroyed');
    await expect(m.ready()).rejects.toMatchObject({ code: 'destroyed' });
    await tick(300);
    expect(await readRecord(baseUrl)).toBeUndefined();
  });

  it('lets a new manager start right after (React Strict Mode) and reuse the session', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl });
    const abandoned = first.ready().catch((e: unknown) => e);
    first.destroy();
    expect(await abandoned).toBeInstanceOf(DestroyedError);
    const second = manager({ baseUrl });
    const session = await second.ready();
    second.destroy();
    const third = manager({ baseUrl });
    expect((await third.ready()).sessionId).toBe(session.sessionId);
    expect(server.calls('create')).toHaveLength(1);
  });

  it('does not disturb another manager of the same session', async () => {
    const { baseUrl } = await startStandIn();
    const a = manager({ baseUrl });
    const b = manager({ baseUrl });
    await Promise.all([a.ready(), b.ready()]);
    a.destroy();
    expect(b.getSnapshot().status).toBe('ready');
    await expect(b.identify({ customerId: 'still-here' })).resolves.toMatchObject({
      customerId: 'still-here',
    });
  });

  it('does no I/O when created', async () => {
    const { server, baseUrl } = await startStandIn();
    const open = vi.spyOn(indexedDB, 'open');
    manager({ baseUrl });
    await tick(20);
    expect(open).not.toHaveBeenCalled();
    expect(server.log).toHaveLength(0);
    open.mockRestore();
  });

  it('closes the storage connection on pagehide and catches up on pageshow', async () => {
    const { baseUrl } = await startStandIn();
    const m = manager({ baseUrl, BroadcastChannel: null });
    await m.ready();
    window.dispatchEvent(pageTransition('pagehide'));
    // While the page sat in the back/forward cache, another tab replaced the session.
    await writeRecord(
      baseUrl,
      storedRecord({ sessionId: 'changed-meanwhile' }, { epoch: 1, reason: 'reset' }),
    );
    window.dispatchEvent(pageTransition('pageshow'));
    await vi.waitFor(() => expect(m.getSnapshot().session?.sessionId).toBe('changed-meanwhile'), patience);
    expect(m.getSnapshot().change).toMatchObject({ reason: 'reset', remote: true });
  });

  it('reads the store twice on a warm start with its check: at start, and afresh under the lock', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl });
    const { sessionId } = await first.ready();
    first.destroy();
    const values = new Map<string, unknown>([[`${baseUrl}|`, storedRecord({ sessionId })]]);
    let reads = 0;
    const store = {
      get: async (k: string) => {
        reads += 1;
        return values.get(k);
      },
      set: async (k: string, value: unknown) => void values.set(k, value),
      del: async (k: string) => void values.delete(k),
      // A write merges in one step, as IndexedDB's does: it reads nothing here.
      update: async (k: string, updater: (value: unknown) => unknown) =>
        void values.set(k, updater(values.get(k))),
    };
    const m = manager({ baseUrl, storage: store });
    expect((await m.ready()).sessionId).toBe(sessionId);
    await vi.waitFor(() => expect(server.calls('retrieve')).toHaveLength(1), patience);
    await tick(20);
    expect(reads).toBe(2);
  });

  it('catches up on what another tab stored between its warm start and opening the channel', async () => {
    const { baseUrl } = await startStandIn();
    const key = `${baseUrl}|`;
    const values = new Map<string, unknown>([[key, storedRecord({ sessionId: 'read-at-start' })]]);
    const store = {
      get: async (k: string) => {
        const value = values.get(k);
        // Another tab resets the session just after this read, before this manager listens to any tab.
        values.set(k, storedRecord({ sessionId: 'stored-meanwhile' }, { epoch: 1, reason: 'reset' }));
        return value;
      },
      set: async (k: string, value: unknown) => void values.set(k, value),
      del: async (k: string) => void values.delete(k),
    };
    const m = manager({ baseUrl, storage: store, revalidate: false });
    expect((await m.ready()).sessionId).toBe('read-at-start');
    await vi.waitFor(() => expect(m.getSnapshot().session?.sessionId).toBe('stored-meanwhile'), patience);
    expect(m.getSnapshot().change).toMatchObject({ reason: 'reset', remote: true });
  });
});

describe('options', () => {
  it.each([
    [{}, /baseUrl/],
    [{ baseUrl: 'http://kc.test', customerId: 'a\r\nb' }, /customerId/],
    [{ baseUrl: 'http://kc.test', visitId: 'a\nb' }, /visitId/],
    [{ baseUrl: 'http://kc.test', storage: 'localStorage' }, /storage/],
    [{ baseUrl: 'http://kc.test', lockTimeoutMs: -1 }, /lockTimeoutMs/],
  ])('throws a TypeError naming the bad option (%j)', async (options, message) => {
    const { createSessionManager } = await import('../src/index');
    expect(() => createSessionManager(options as never)).toThrow(TypeError);
    expect(() => createSessionManager(options as never)).toThrow(message);
  });
});
