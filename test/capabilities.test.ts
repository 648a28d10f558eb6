// Every browser capability the manager uses may be missing or refuse, as it does in sandboxed and third-party
// frames and private windows: Web Locks (`request` and `query`), BroadcastChannel (the constructor and
// `postMessage`), IndexedDB (`open`, and the `indexedDB` getter), `crypto.randomUUID`. The manager goes on
// without it, says so once (`onEvent`: `unavailable`, or `storage-failed` for the store), ready() resolves,
// and what it rejects with is always one of its coded errors. Under happy-dom, with fake-indexeddb and the
// stand-in server; the capabilities are given as options (or the globals patched) to throw.
import { IDBFactory as FakeIDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Capability,
  isSessionError,
  type LockManagerLike,
  type SessionEvent,
  type SessionManagerOptions,
} from '../src/index';
import { manager, readRecord, recordKey, storedRecord, tick, writeRecord } from './helpers/managers';
import { patience, startStandIn } from './helpers/standIn';
import { BrowserProfile } from './model/browserProfile';

const refusal = (name: string) => new DOMException(`refused here (${name})`, name);

/** The manager's trace, and the capabilities it was told refused. */
function traced(options: SessionManagerOptions) {
  const events: SessionEvent[] = [];
  const m = manager({ ...options, onEvent: (event) => events.push(event) });
  const told = () =>
    events
      .filter((event) => event.type === 'unavailable' || event.type === 'storage-failed')
      .map((event) => [event.type, event.capability] as [string, Capability | null]);
  return { m, events, told };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Web Locks that refuse', () => {
  for (const name of ['SecurityError', 'InvalidStateError', 'UnknownError']) {
    it(`goes on under the page's own lock when request() rejects with ${name}, and says so once`, async () => {
      const { server, baseUrl } = await startStandIn();
      const request = vi.fn(() => Promise.reject(refusal(name)));
      const locks = { request, query: async () => ({ held: [] }) } as unknown as LockManagerLike;
      const { m, events, told } = traced({ baseUrl, locks, coalesceMs: 0 });
      const session = await m.ready();
      await m.update({ visitId: 'v-after' });
      await m.reset();
      expect(told()).toEqual([['unavailable', 'locks']]);
      expect(events.find((event) => event.type === 'unavailable')?.error?.name).toBe(name);
      // Asked until it refused, never after: the session lock, and the owner lock a manager holds.
      const calls = request.mock.calls.length;
      await m.update({ visitId: 'v-later' });
      expect(request.mock.calls.length).toBe(calls);
      expect(server.calls('create')).toHaveLength(2);
      expect(server.sessions.get(session.sessionId)?.visitId).toBe('v-after');
    });
  }

  it('goes on when request() throws instead of rejecting', async () => {
    const { baseUrl } = await startStandIn();
    const locks: LockManagerLike = {
      request: () => {
        throw refusal('SecurityError');
      },
      query: async () => ({ held: [] }),
    };
    const { m, told } = traced({ baseUrl, locks });
    expect((await m.ready()).sessionId).toBeTruthy();
    expect(told()).toEqual([['unavailable', 'locks']]);
  });

  it('takes over a closed tab’s changes when query() refuses, as where there is no query', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl });
    const { sessionId } = await first.ready();
    first.destroy();
    // A change left pending by a tab that is gone.
    const left = storedRecord(
      { sessionId },
      { pending: { visitId: { value: 'v-left', stamp: Date.now(), owner: 'gone-tab' } } },
    );
    await writeRecord(baseUrl, left);
    const profile = new BrowserProfile((task) => setTimeout(task));
    const working = profile.locks();
    const locks: LockManagerLike = {
      request: (name, options, callback) => working.request(name, options, callback),
      query: () => Promise.reject(refusal('SecurityError')),
    };
    const { m, told } = traced({ baseUrl, locks, revalidate: false });
    expect((await m.ready()).sessionId).toBe(sessionId);
    await vi.waitFor(() => expect(server.sessions.get(sessionId)?.visitId).toBe('v-left'), patience);
    expect(told()).toEqual([['unavailable', 'locks']]);
  });

  it('treats a navigator.locks getter that throws as no Web Locks', async () => {
    const { baseUrl } = await startStandIn();
    vi.spyOn(globalThis.navigator, 'locks', 'get').mockImplementation(() => {
      throw refusal('SecurityError');
    });
    const { m, told } = traced({ baseUrl });
    expect((await m.ready()).sessionId).toBeTruthy();
    expect(told()).toEqual([]);
  });
});

describe('a BroadcastChannel that refuses', () => {
  it('goes on without a channel when the constructor throws, and says so once', async () => {
    const { baseUrl } = await startStandIn();
    const refusing = vi.fn(function refused() {
      throw refusal('SecurityError');
    }) as unknown as typeof BroadcastChannel;
    const { m, told } = traced({ baseUrl, BroadcastChannel: refusing, coalesceMs: 0 });
    await m.ready();
    await m.update({ visitId: 'v-1' });
    expect(told()).toEqual([['unavailable', 'BroadcastChannel']]);
    expect(vi.mocked(refusing)).toHaveBeenCalledTimes(1);
  });

  it('goes on without a channel when postMessage throws, and says so once', async () => {
    const { server, baseUrl } = await startStandIn();
    class Refusing extends BroadcastChannel {
      override postMessage(): void {
        throw refusal('InvalidStateError');
      }
    }
    const { m, told } = traced({ baseUrl, BroadcastChannel: Refusing, coalesceMs: 0 });
    const { sessionId } = await m.ready();
    await m.update({ visitId: 'v-1' });
    await m.update({ visitId: 'v-2' });
    expect(told()).toEqual([['unavailable', 'BroadcastChannel']]);
    expect(server.sessions.get(sessionId)?.visitId).toBe('v-2');
  });

  it('opens the channel from a function of its name, as a Storage Access handle gives one', async () => {
    const { baseUrl } = await startStandIn();
    const profile = new BrowserProfile((task) => setTimeout(task));
    // Two tabs, each with its own objects; the channel only through a factory (`handle.BroadcastChannel(name)`
    // is a method, not a constructor).
    const tab = () => {
      const channelOfTab = profile.channel();
      const opened: string[] = [];
      const openChannel = (name: string) => {
        opened.push(name);
        return new channelOfTab(name);
      };
      const options = {
        baseUrl,
        storage: profile.store(),
        locks: profile.locks(),
        BroadcastChannel: openChannel,
        coalesceMs: 0,
      };
      return { m: manager(options), opened };
    };
    const a = tab();
    const b = tab();
    const { sessionId } = await a.m.ready();
    expect((await b.m.ready()).sessionId).toBe(sessionId);
    await a.m.update({ visitId: 'v-heard' });
    await vi.waitFor(() => expect(b.m.getSnapshot().session?.visitId).toBe('v-heard'), patience);
    expect(a.opened).toEqual([`gkc-session:${recordKey(baseUrl)}`]);
  });
});

describe('IndexedDB that refuses', () => {
  for (const name of ['SecurityError', 'InvalidStateError', 'UnknownError']) {
    it(`goes on in memory when indexedDB.open throws ${name}, and says so once`, async () => {
      const { baseUrl } = await startStandIn();
      vi.spyOn(indexedDB, 'open').mockImplementation(() => {
        throw refusal(name);
      });
      const { m, told } = traced({ baseUrl });
      expect((await m.ready()).sessionId).toBeTruthy();
      expect(m.getSnapshot()).toMatchObject({ storage: 'memory', storageError: { code: 'storage' } });
      expect(m.getSnapshot().storageError?.message).toContain(name);
      expect(told()).toEqual([['storage-failed', 'indexedDB']]);
    });
  }

  it('goes on in memory when the indexedDB getter itself throws', async () => {
    const { baseUrl } = await startStandIn();
    vi.spyOn(globalThis, 'indexedDB', 'get').mockImplementation(() => {
      throw refusal('SecurityError');
    });
    const { m, told } = traced({ baseUrl });
    expect((await m.ready()).sessionId).toBeTruthy();
    expect(m.getSnapshot()).toMatchObject({ storage: 'memory', storageError: { code: 'storage' } });
    expect(told()).toEqual([['storage-failed', 'indexedDB']]);
  });

  it('never asks indexedDB.databases(), so one that throws changes nothing', async () => {
    const { baseUrl } = await startStandIn();
    const databases = vi.spyOn(indexedDB, 'databases').mockImplementation(() => {
      throw refusal('SecurityError');
    });
    const { m, told } = traced({ baseUrl });
    await m.ready();
    expect(m.getSnapshot().storage).toBe('indexeddb');
    expect(databases).not.toHaveBeenCalled();
    expect(told()).toEqual([]);
  });

  it('keeps the record in the IndexedDB it is given (a Storage Access handle’s), not the page’s', async () => {
    const { server, baseUrl } = await startStandIn();
    const unpartitioned = new FakeIDBFactory();
    const first = manager({ baseUrl, indexedDB: unpartitioned as unknown as IDBFactory });
    const { sessionId } = await first.ready();
    expect(first.getSnapshot().storage).toBe('indexeddb');
    expect(await readRecord(baseUrl)).toBeUndefined(); // nothing in the page's own
    first.destroy();
    const again = manager({ baseUrl, indexedDB: unpartitioned as unknown as IDBFactory });
    expect((await again.ready()).sessionId).toBe(sessionId);
    expect(server.calls('create')).toHaveLength(1);
  });
});

describe('crypto.randomUUID that is missing or refuses', () => {
  it('names the manager from the clock and Math.random where it is missing (plain http), silently', async () => {
    const { baseUrl } = await startStandIn();
    vi.spyOn(globalThis.crypto, 'randomUUID').mockReturnValue(
      undefined as unknown as ReturnType<typeof crypto.randomUUID>,
    );
    const { m, told } = traced({ baseUrl });
    expect((await m.ready()).sessionId).toBeTruthy();
    expect(told()).toEqual([]);
  });

  it('names the manager from the clock and Math.random instead, and says so once', async () => {
    const { baseUrl } = await startStandIn();
    vi.spyOn(globalThis.crypto, 'randomUUID').mockImplementation(() => {
      throw refusal('SecurityError');
    });
    const { m, told } = traced({ baseUrl });
    expect((await m.ready()).sessionId).toBeTruthy();
    expect(told()).toEqual([['unavailable', 'crypto.randomUUID']]);
  });
});

describe('everything refusing at once', () => {
  it('still resolves ready(), and rejects only with coded errors when the server is down too', async () => {
    const { server, baseUrl } = await startStandIn();
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw refusal('SecurityError');
    });
    const locks: LockManagerLike = {
      request: () => Promise.reject(refusal('SecurityError')),
      query: () => Promise.reject(refusal('SecurityError')),
    };
    const refusing = function refused() {
      throw refusal('SecurityError');
    } as unknown as typeof BroadcastChannel;
    const { m, told } = traced({ baseUrl, locks, BroadcastChannel: refusing, coalesceMs: 0 });
    const { sessionId } = await m.ready();
    expect(told().sort()).toEqual([
      ['storage-failed', 'indexedDB'],
      ['unavailable', 'BroadcastChannel'],
      ['unavailable', 'locks'],
    ]);
    server.faults = { down: true };
    const failures = await Promise.allSettled([m.reset(), m.fetch('kbs/support/top'), tick(10)]);
    for (const failure of failures.slice(0, 2)) {
      expect(failure.status).toBe('rejected');
      expect(isSessionError((failure as PromiseRejectedResult).reason)).toBe(true);
    }
    server.faults = {};
    expect((await m.ready()).sessionId).not.toBe(sessionId);
  });
});
