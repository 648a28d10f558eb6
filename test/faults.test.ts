// The fault suite: for each fault, no duplicate session, no lost update, no unhandled rejection (Vitest fails
// the run on one), and a typed error where the application must know.
import { onlineManager } from '@tanstack/query-core';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, InvalidResponseError, NetworkError, StorageError, TimeoutError } from '../src/index';
import { manager, readRecord, tick } from './helpers/managers';
import { startStandIn } from './helpers/standIn';

afterEach(() => {
  onlineManager.setOnline(true);
});

describe('server faults', () => {
  it('rides out a burst of 5xx at start: one session', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 2, status: 503 } };
    const session = await manager({ baseUrl }).ready();
    expect(server.log.map((entry) => entry.status)).toEqual([503, 503, 200]);
    expect([...server.sessions.keys()]).toEqual([session.sessionId]);
  });

  it('waits as a 429 asks before sending an update again, and loses nothing', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 2000 } });
    const { sessionId } = await m.ready();
    server.faults = { failNext: { count: 1, status: 429, retryAfter: 1 } };
    await m.update({ visitId: 'after-429' });
    const [limited, accepted] = server.calls('update');
    expect(limited?.status).toBe(429);
    expect((accepted?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(server.sessions.get(sessionId)?.visitId).toBe('after-429');
  });

  it('times out a slow update, repeats it, and ends on the value', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, timeoutMs: 80, retry: { attempts: 5, minDelayMs: 5, maxDelayMs: 20 } });
    const { sessionId } = await m.ready();
    server.faults = { delayMs: 150 };
    const pending = m.update({ visitId: 'slow' });
    await expect.poll(() => m.getSnapshot().error).toBeInstanceOf(TimeoutError);
    server.faults = {};
    expect(await pending).toMatchObject({ visitId: 'slow' });
    expect(server.sessions.get(sessionId)?.visitId).toBe('slow');
    expect(server.sessions.size).toBe(1);
  });

  it('reports connection resets at start as a NetworkError, then starts once the server is back', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { down: true };
    const m = manager({ baseUrl });
    await expect(m.ready()).rejects.toBeInstanceOf(NetworkError);
    expect(m.getSnapshot()).toMatchObject({ status: 'error', session: null });
    server.faults = {};
    await m.ready();
    expect(server.sessions.size).toBe(1);
  });

  it.each([
    ['truncated', InvalidResponseError],
    ['text-plain', InvalidResponseError],
    ['huge', InvalidResponseError],
    ['no-session-id', InvalidResponseError],
  ] as const)(
    'refuses a %s answer to Create with a typed error, and creates nothing twice',
    async (kind, type) => {
      const { server, baseUrl } = await startStandIn();
      server.faults = { malformNext: { count: 1, kind } };
      const m = manager({ baseUrl });
      const error = await m.ready().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(m.getSnapshot().error).toBe(error);
      expect(await readRecord(baseUrl)).toBeUndefined();
      const session = await m.ready();
      expect([...server.sessions.keys()]).toEqual([session.sessionId]);
    },
  );

  it('takes an HTML error page for a retryable 502 and goes on', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { malformNext: { count: 2, kind: 'html' } };
    await manager({ baseUrl }).ready();
    expect(server.log.map((entry) => entry.status)).toEqual([502, 502, 200]);
    expect(server.sessions.size).toBe(1);
  });

  it('rolls back an update whose answer is not a session, with InvalidResponseError', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, visitId: 'before' });
    await m.ready();
    server.faults = { malformNext: { count: 1, kind: 'no-session-id' } };
    await expect(m.update({ visitId: 'after' })).rejects.toBeInstanceOf(InvalidResponseError);
    expect(m.getSnapshot()).toMatchObject({ session: { visitId: 'before' }, pendingUpdates: 0 });
  });

  it('keeps every update of a burst through on-off connectivity, ending on the latest values', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId } = await m.ready();
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      onlineManager.setOnline(i % 3 !== 0);
      calls.push(m.update(i % 2 ? { visitId: `v-${i}` } : { globalVisitId: `g-${i}` }));
      await tick(2);
    }
    onlineManager.setOnline(true);
    await Promise.all(calls);
    expect(server.sessions.get(sessionId)).toMatchObject({ visitId: 'v-29', globalVisitId: 'g-28' });
    expect(m.getSnapshot().pendingUpdates).toBe(0);
    expect(server.sessions.size).toBe(1);
  });

  it('refuses for good on a 4xx update, with the status, and keeps the session', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId } = await m.ready();
    server.faults = { failNext: { count: 1, status: 403 } };
    const error = await m.update({ visitId: 'forbidden' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(m.getSnapshot()).toMatchObject({ status: 'ready', session: { sessionId }, pendingUpdates: 0 });
  });
});

describe('storage faults', () => {
  it('goes on in memory when the IndexedDB open is blocked by another connection', async () => {
    const { baseUrl } = await startStandIn();
    // Another tab holds version 1 open and ignores versionchange; a third asks for version 2 and is blocked.
    const holder = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open('gkc-session');
      request.onupgradeneeded = () => request.result.createObjectStore('sessions');
      request.onsuccess = () => resolve(request.result);
    });
    holder.onversionchange = null;
    const blocked = indexedDB.open('gkc-session', holder.version + 1);
    blocked.onupgradeneeded = () => {};
    try {
      const m = manager({ baseUrl, storageTimeoutMs: 100 });
      const session = await m.ready();
      expect(session.sessionId).toBeTruthy();
      expect(m.getSnapshot()).toMatchObject({ storage: 'memory', status: 'ready' });
      expect(m.getSnapshot().storageError).toBeInstanceOf(StorageError);
    } finally {
      holder.close();
      await new Promise((resolve) => {
        blocked.onsuccess = () => {
          blocked.result.close();
          resolve(undefined);
        };
        blocked.onerror = () => resolve(undefined);
      });
    }
  });

  it('goes on in memory when a write exceeds the quota, and still delivers updates', async () => {
    const { server, baseUrl } = await startStandIn();
    const records = new Map<string, unknown>();
    const quota = {
      get: async (key: string) => records.get(key),
      set: async () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
      del: async (key: string) => void records.delete(key),
    };
    const m = manager({ baseUrl, storage: quota });
    const { sessionId } = await m.ready();
    expect(m.getSnapshot().storage).toBe('memory');
    expect(m.getSnapshot().storageError?.message).toMatch(/QuotaExceededError/);
    await m.update({ visitId: 'still-sent' });
    expect(server.sessions.get(sessionId)?.visitId).toBe('still-sent');
  });

  it('reopens a connection lost mid-operation and stays on IndexedDB', async () => {
    const { baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await m.ready();
    // Safari drops connections ("Connection to Indexed Database server lost"): close the one in use.
    const open = indexedDB.open('gkc-session');
    const sibling = await new Promise<IDBDatabase>((resolve) => {
      open.onsuccess = () => resolve(open.result);
    });
    sibling.close();
    window.dispatchEvent(Object.defineProperty(new Event('pagehide'), 'persisted', { value: true }));
    await m.update({ visitId: 'after-reopen' });
    expect(m.getSnapshot().storage).toBe('indexeddb');
    expect((await readRecord(baseUrl)).session.visitId).toBe('after-reopen');
  });

  it('replaces a record whose outbox is corrupt', async () => {
    const { server, baseUrl } = await startStandIn();
    const { sessionId } = await manager({ baseUrl }).ready();
    const record = await readRecord(baseUrl);
    const { writeRecord } = await import('./helpers/managers');
    await writeRecord(baseUrl, { ...record, pending: { visitId: 42 } });
    const session = await manager({ baseUrl }).ready();
    expect(session.sessionId).not.toBe(sessionId);
    expect((await readRecord(baseUrl)).session.sessionId).toBe(session.sessionId);
    expect(server.calls('create')).toHaveLength(2);
  });
});
