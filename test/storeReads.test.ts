// A read of the store that does not say what is stored is never taken for "no session": a read slower than
// storageTimeoutMs is waited for (and the other tabs asked meanwhile), and an empty read while the page is
// hidden (WebKit answers a read aborted by unload with nothing) is made again once the page is shown. Under
// happy-dom, with custom stores standing in for a slow or an unloading IndexedDB, and the simulated profile
// of the model test for the other tabs.
import { describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../src/index';
import { manager, recordKey, storedRecord, tick } from './helpers/managers';
import { startStandIn } from './helpers/standIn';
import { BrowserProfile } from './model/browserProfile';

/** A store holding `value` under `key`, whose reads answer as `answer` says. */
function storeWith(key: string, value: unknown, answer: (read: () => unknown) => Promise<unknown>) {
  const records = new Map<string, unknown>([[key, value]]);
  const store: KeyValueStore = {
    get: (k) => answer(() => structuredClone(records.get(k))),
    set: async (k, v) => {
      records.set(k, structuredClone(v));
    },
    del: async (k) => {
      records.delete(k);
    },
  };
  return { store, records };
}

const pageEvent = (type: 'pagehide' | 'pageshow') =>
  window.dispatchEvent(Object.assign(new Event(type), { persisted: true }));

describe('a read slower than storageTimeoutMs', () => {
  it('is waited for: the stored session, no Create, and the store kept', async () => {
    const { server, baseUrl } = await startStandIn();
    const stored = storedRecord({ sessionId: 'stored-1' });
    const { store } = storeWith(recordKey(baseUrl), stored, async (read) => {
      await tick(200);
      return read();
    });
    const m = manager({
      baseUrl,
      storage: store,
      storageTimeoutMs: 50,
      lockTimeoutMs: 1000,
      revalidate: false,
    });
    expect((await m.ready()).sessionId).toBe('stored-1');
    expect(m.getSnapshot()).toMatchObject({ storage: 'custom', storageError: null });
    expect(server.calls('create')).toHaveLength(0);
  });

  it('is answered by another tab that holds the record, when the store says nothing at all', async () => {
    const { server, baseUrl } = await startStandIn();
    const profile = new BrowserProfile((task) => setTimeout(task));
    const other = manager({
      baseUrl,
      storage: profile.store(),
      locks: profile.locks(),
      BroadcastChannel: profile.channel(),
    });
    const { sessionId } = await other.ready();
    const silent: KeyValueStore = {
      get: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      del: async () => {},
    };
    const m = manager({
      baseUrl,
      storage: silent,
      locks: profile.locks(),
      BroadcastChannel: profile.channel(),
      storageTimeoutMs: 50,
      revalidate: false,
    });
    const began = Date.now();
    expect((await m.ready()).sessionId).toBe(sessionId);
    expect(Date.now() - began).toBeLessThan(1000); // the answer, not the bound
    expect(server.calls('create')).toHaveLength(1);
  });
});

describe('an empty read while the page is hidden', () => {
  it('is read again once the page is shown: the stored session, no Create', async () => {
    const { server, baseUrl } = await startStandIn();
    let hidden = false;
    let answerHeld = () => {};
    const held = new Promise<void>((resolve) => {
      answerHeld = resolve;
    });
    let reads = 0;
    const { store } = storeWith(recordKey(baseUrl), storedRecord({ sessionId: 'stored-2' }), async (read) => {
      // The first read is still out when the page is hidden, and then answers nothing.
      if (reads++ === 0) await held;
      return hidden ? undefined : read();
    });
    const m = manager({ baseUrl, storage: store, revalidate: false });
    const ready = m.ready();
    await tick();
    hidden = true;
    pageEvent('pagehide');
    answerHeld();
    await tick(50);
    expect(server.calls('create')).toHaveLength(0);
    expect(m.getSnapshot().status).toBe('starting');
    hidden = false;
    pageEvent('pageshow');
    expect((await ready).sessionId).toBe('stored-2');
    expect(server.calls('create')).toHaveLength(0);
  });
});
