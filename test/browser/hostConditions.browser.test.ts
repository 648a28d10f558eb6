// @vitest-environment node
// What a widget meets in the host's browser, where peers' users were hurt: a store read slower than its bound,
// an empty read while the page unloads, changes kept across offline reloads, listeners that call back into
// the manager, IndexedDB that throws as private windows' do, a lock holder whose timers are held back. Every
// test runs in each engine GKC_ENGINES selects, through ./engines, against the host pages of ./hostPages.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EnginePage, engineLabel, type Profile, selectedEngines } from './engines';
import type { Settled } from './hostEntry';
import { type HostHarness, openWidget, snapshotOf, startedIn, startHostHarness } from './hostPages';
import { emulateOffline } from './webkitEngine';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs in a page: keeps a read-write transaction on the library's store open for `ms` (a request after
 * another), so that every read of the store waits behind it, as behind another tab's long write.
 */
async function holdStore(ms: number): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('gkc-session');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const transaction = db.transaction('sessions', 'readwrite');
  const store = transaction.objectStore('sessions');
  const until = performance.now() + ms;
  const spin = () => {
    if (performance.now() < until) store.get('nothing').onsuccess = spin;
  };
  spin();
  transaction.oncomplete = () => db.close();
}

for (const engineName of selectedEngines()) {
  const webkit = engineName === 'webkit';
  describe(`in ${engineLabel(engineName)}`, {
    timeout: webkit ? 60_000 : 30_000,
    retry: webkit ? 1 : 0,
  }, () => {
    let harness: HostHarness;
    let profile: Profile;

    beforeAll(async () => {
      harness = await startHostHarness(engineName);
    }, 60_000);

    afterAll(async () => {
      await harness?.close();
    });

    beforeEach(async () => {
      harness.server.reset();
      harness.server.configure({ version: '9' });
      profile = await harness.newProfile();
    });

    afterEach(async () => {
      await profile?.close();
    });

    const open = (options: object = {}, hooks = '', page?: EnginePage) =>
      openWidget(profile, harness.origin, options, hooks, page);
    const creates = () => harness.server.calls('create').length;

    describe('a store read that does not say what is stored', () => {
      it('waits out a read slower than storageTimeoutMs, with another tab on the session: one session, the stored one', async () => {
        // No check of its own: the holder would hold the lock through it, and the late tab hear of the session
        // from its write rather than look for it.
        const holder = await open({ revalidate: false });
        const { sessionId } = await startedIn(holder);
        const late = await profile.newPage();
        await late.goto(harness.origin);
        await holder.evaluate(holdStore, 1500);
        await late.evaluate(() => window.begin({ storageTimeoutMs: 300 }));
        const started = await startedIn(late);
        expect(started.ms).toBeGreaterThan(300); // the read was held past its bound
        expect(started.sessionId).toBe(sessionId);
        await sleep(500);
        expect((await snapshotOf(holder))?.session?.sessionId).toBe(sessionId);
        expect(creates()).toBe(1);
      });

      it('waits out a read slower than storageTimeoutMs with no other manager open: one session, the stored one', async () => {
        const first = await open();
        const { sessionId } = await startedIn(first);
        await first.close();
        // A page with no manager holds the store: only the late read can tell what is stored.
        const blocker = await profile.newPage();
        await blocker.goto(harness.origin);
        const late = await profile.newPage();
        await late.goto(harness.origin);
        await blocker.evaluate(holdStore, 1500);
        await late.evaluate(() => window.begin({ storageTimeoutMs: 300 }));
        const started = await startedIn(late);
        expect(started.ms).toBeGreaterThan(300); // the read was held past its bound
        expect(started.sessionId).toBe(sessionId);
        expect(creates()).toBe(1);
        const next = await open();
        expect((await startedIn(next)).sessionId).toBe(sessionId);
      });

      it('does not take a read emptied by unload for "no session": one session, the stored one', async () => {
        const holder = await open();
        const { sessionId } = await startedIn(holder);
        // The second tab's first read is still out when the page is hidden (pagehide, the page kept in the
        // back/forward cache), and answers nothing, as WebKit's aborted reads do; the page is shown again.
        const page = await open({}, 'emptyReadOnHide');
        await page.evaluate(() => {
          window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
        });
        await sleep(300);
        await page.evaluate(() => {
          window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
        });
        expect((await startedIn(page)).sessionId).toBe(sessionId);
        await sleep(300);
        expect(creates()).toBe(1);
        expect((await snapshotOf(holder))?.session?.sessionId).toBe(sessionId);
        const next = await open();
        expect((await startedIn(next)).sessionId).toBe(sessionId);
      });
    });

    it('sends changes kept across three offline reloads once, with the newest values (offline emulated in the page: an offline browser cannot reload it)', async () => {
      const page = await open({ coalesceMs: 0 });
      const { sessionId } = await startedIn(page);
      await page.evaluate(emulateOffline, true);
      const changes = [{ visitId: 'v-1' }, { globalVisitId: 'g-1' }, { visitId: 'v-2' }];
      const restored: number[] = [];
      for (const change of changes) {
        await page.evaluate((values) => {
          void window.manager?.update(values);
        }, change);
        await sleep(100);
        await page.reload();
        const started = await startedIn(page);
        expect(started.sessionId).toBe(sessionId);
        restored.push(started.atReady.pendingUpdates);
      }
      expect(restored).toEqual([1, 2, 2]);
      expect(harness.server.calls('update')).toHaveLength(0);
      await page.evaluate(emulateOffline, false);
      await expect.poll(() => harness.server.calls('update').length).toBe(1);
      await expect.poll(async () => (await snapshotOf(page))?.pendingUpdates).toBe(0);
      await sleep(500);
      const updates = harness.server.calls('update');
      expect(updates).toHaveLength(1);
      expect(updates[0]?.body).toMatchObject({ visitId: 'v-2', globalVisitId: 'g-1' });
      expect(harness.server.sessions.get(sessionId ?? '')).toMatchObject({
        visitId: 'v-2',
        globalVisitId: 'g-1',
      });
    });

    describe('listeners that call back into the manager', () => {
      for (const kind of ['subscribe', 'onEvent']) {
        it(`settles identify(), fetch() and reset() called synchronously from ${kind}, at a cold and a warm start`, async () => {
          const page = await open({ coalesceMs: 0 }, `reentrant=${kind}`);
          for (const start of ['cold', 'warm']) {
            if (start === 'warm') await page.reload();
            const first = await startedIn(page);
            const settled = async () => page.evaluate(() => window.reentrant);
            // Each settles (resolves, or rejects with a coded error): none is left pending.
            await expect
              .poll(async () => (await settled()).filter((call) => call.outcome !== 'pending').length, {
                timeout: 10_000,
              })
              .toBe(3);
            const calls = await settled();
            expect(calls.map((call) => call.method)).toEqual(['identify', 'fetch', 'reset']);
            const [identify, fetched, reset] = calls as [Settled, Settled, Settled];
            expect(fetched).toMatchObject({ outcome: 'resolved', value: 200 });
            expect(reset.outcome).toBe('resolved');
            expect(reset.value).not.toBe(first.sessionId);
            // The reset came after the identify: it either reached the old session first, or was cut.
            if (identify.outcome === 'rejected')
              expect(identify.error).toMatchObject({ code: 'reset', coded: true });
            else expect(identify.value).toBe(first.sessionId);
            await expect.poll(async () => (await snapshotOf(page))?.session?.sessionId).toBe(reset.value);
            expect(await snapshotOf(page)).toMatchObject({ status: 'ready', error: null });
            expect((await snapshotOf(page))?.session?.customerId).toBeUndefined();
          }
        });
      }
    });

    describe('IndexedDB that throws as private windows have', () => {
      it('goes on in memory when indexedDB.open throws InvalidStateError (private windows of older Firefox)', async () => {
        const page = await open({}, 'idbOpenThrows=InvalidStateError');
        const started = await startedIn(page);
        expect(started.error).toBeUndefined();
        expect(started.atReady).toMatchObject({
          status: 'ready',
          storage: 'memory',
          storageError: { code: 'storage' },
        });
        expect(started.atReady.storageError?.message).toMatch(/InvalidStateError/);
        expect(await page.evaluate(() => window.call('search'))).toBe(200);
      });

      it('goes on in memory when every write throws QuotaExceededError (private mode of older Safari)', async () => {
        const page = await open({}, 'idbWriteThrows=QuotaExceededError');
        const started = await startedIn(page);
        expect(started.error).toBeUndefined();
        expect(started.sessionId).toBeTruthy();
        await expect.poll(async () => (await snapshotOf(page))?.storage).toBe('memory');
        expect((await snapshotOf(page))?.storageError).toMatchObject({ code: 'storage' });
        expect((await snapshotOf(page))?.storageError?.message).toMatch(/QuotaExceededError/);
        await page.evaluate(() => window.call('update', { visitId: 'v-private' }));
        expect(harness.server.sessions.get(started.sessionId ?? '')?.visitId).toBe('v-private');
        expect(creates()).toBe(1);
      });
    });

    it('keeps the others waiting for a holder whose timers are held back while its Create is slow: one session', async () => {
      // The holder's heartbeat is a timer: held back as a throttled background tab's are, it says nothing for
      // longer than the others' lock timeout while its Create is out.
      harness.server.faults = { delayMs: 2500 };
      // Loaded first, started once the Create is out: a window opening takes seconds in WebKit.
      const waiting = await profile.newPage();
      await waiting.goto(harness.origin);
      const slow = await open({ lockTimeoutMs: 500 }, 'holdTimers=4000');
      await expect.poll(creates).toBe(1);
      await waiting.evaluate(() => window.begin({ lockTimeoutMs: 500 }));
      const [a, b] = await Promise.all([startedIn(slow), startedIn(waiting)]);
      expect(a.sessionId).toBeTruthy();
      expect(b.sessionId).toBe(a.sessionId);
      expect(creates()).toBe(1);
    });
  });
}
