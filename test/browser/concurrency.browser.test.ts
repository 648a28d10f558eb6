// @vitest-environment node
// The three concurrency defects of the 0.1 core, as regressions in real Chromium: pages of one browser
// context are the tabs of one profile (shared IndexedDB, Web Locks, BroadcastChannel).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EnginePage, engineLabel, type Profile, selectedEngines } from './engines';
import { type Harness, startHarness } from './harness';

type Page = EnginePage;

/** Retries that outlast a short outage: the tests bring the server back within them. */
const patient = { attempts: 30, minDelayMs: 50, maxDelayMs: 300 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const engineName of selectedEngines()) {
  const engine = engineLabel(engineName);
  // In WebKit every tab is a window with a web process of its own (1-3 s each here).
  // WebKit's driver now and then loses the answer to a script (./webkitEngine asks a check again; the test's
  // own scripts it cannot): a WebKit test gets one more try as a backstop, and CI's log lists each test that
  // needed it, with the error the retry hid (test/suiteTimes.ts).
  const webkit = engineName === 'webkit';
  describe(`in ${engine}`, { timeout: webkit ? 90_000 : 30_000, retry: webkit ? 1 : 0 }, () => {
    let harness: Harness;
    let profile: Profile;
    const closed = new Set<Page>();

    beforeAll(async () => {
      harness = await startHarness(engineName);
    }, 60_000);

    afterAll(async () => {
      await harness?.close();
    });

    beforeEach(async () => {
      harness.server.reset();
      harness.server.configure({ version: '9' });
      profile = await harness.newProfile();
      closed.clear();
    });

    afterEach(async () => {
      await profile?.close();
    });

    async function open(options: object = {}, query = '', page?: Page): Promise<Page> {
      const tab = page ?? (await profile.newPage());
      await tab.goto(`${harness.origin}/?start=${encodeURIComponent(JSON.stringify(options))}${query}`);
      return tab;
    }

    async function started(page: Page): Promise<string> {
      const result = await page.evaluate(async () => window.started);
      if (!result?.sessionId) throw new Error(`the page has no session: ${result?.error}`);
      return result.sessionId;
    }

    /** The status of the page's first Knowledge request, once the page has sent it. */
    const firstFetch = (page: Page) =>
      page.evaluate(async () => {
        while (!window.firstFetch) await new Promise((resolve) => setTimeout(resolve, 20));
        return window.firstFetch;
      });

    const shown = (page: Page) =>
      page.evaluate(() => {
        const snapshot = window.manager?.getSnapshot();
        return snapshot && { session: snapshot.session, pendingUpdates: snapshot.pendingUpdates };
      });
    const offlineNote =
      engineName === 'webkit'
        ? ' (offline emulated in the page: classic WebDriver cannot cut the network)'
        : '';

    describe('a reset cuts identity', () => {
      it('never sends an identity given before a reset in another tab on the session the reset creates', async () => {
        const options = { retry: patient, coalesceMs: 0 };
        const one = await open(options);
        const old = await started(one);
        const two = await open(options);
        expect(await started(two)).toBe(old);

        harness.server.faults = { down: true };
        await one.evaluate(() => {
          window.identified = window.manager?.identify({ customerId: 'alice' }).then(
            (session) => `resolved on ${session.sessionId}`,
            (error: Error) => `${error.name}: ${error.message}`,
          );
        });
        await expect
          .poll(async () => (await shown(one))?.session?.customerId, { timeout: 10_000 })
          .toBe('alice');
        // Started, not awaited: WebKit's driver runs one command at a time, and the reset waits for the server.
        await two.evaluate(() => {
          window.resetDone = window.manager?.reset().then(
            (session) => session.sessionId,
            (error: Error) => `${error.name}: ${error.message}`,
          );
        });
        await expect.poll(async () => (await shown(one))?.session, { timeout: 10_000 }).toBeNull(); // tab 1 forgot it too
        harness.server.faults = {};
        const successor = await two.evaluate(() => window.resetDone);

        expect(successor).not.toBe(old);
        expect(await one.evaluate(() => window.identified)).toMatch(/^SessionResetError: /);
        await expect.poll(async () => (await shown(one))?.session?.sessionId).toBe(successor);
        expect((await shown(one))?.session?.customerId).toBeUndefined();
        expect(harness.server.sessions.get(successor ?? '')?.customerId).toBeUndefined();
        const onSuccessor = harness.server.log.filter((entry) => entry.sessionId === successor);
        expect(onSuccessor.filter((entry) => entry.customerId !== null)).toEqual([]);
        expect(harness.server.calls('create').filter((entry) => entry.customerId === 'alice')).toEqual([]);
      });
    });

    describe('one recovery per lost session', () => {
      for (const version of ['9', '8.5.0', '8.5.1'] as const) {
        it(`creates one new session when ${version} lost it and the first request races the background check`, async () => {
          harness.server.configure({ version });
          const page = await open();
          // The session each round's forgetting loses: the first, then each round's survivor.
          let lost = await started(page);
          for (let round = 0; round < 4; round++) {
            harness.server.forgetSessions();
            harness.server.log.length = 0;
            await open({}, '&fetch=kbs/support/top', page);
            expect(await firstFetch(page)).toBe(200);
            // Let the background check and any recovery finish, then count what the server holds.
            await expect.poll(async () => (await shown(page))?.session?.sessionId).not.toBe(lost);
            await sleep(300);
            // Seen once in WebKit under load, cause unknown (0 sessions): the message says what the server saw.
            const calls = harness.server.log.map(
              (entry) => `${entry.call} ${entry.sessionId} ${entry.status}`,
            );
            expect(
              harness.server.sessions.size,
              `round ${round}, lost ${lost}, shown ${(await shown(page))?.session?.sessionId}; calls: ${calls.join(', ')}`,
            ).toBe(1);
            const [survivor] = harness.server.sessions.keys();
            expect((await shown(page))?.session?.sessionId).toBe(survivor);
            lost = survivor as string;
          }
        });
      }

      it('recovers once when three tabs reload together onto a session the server forgot', async () => {
        const pages = await Promise.all([profile.newPage(), profile.newPage(), profile.newPage()]);
        await open({}, '', pages[0]);
        await started(pages[0] as Page);
        harness.server.forgetSessions();
        await Promise.all(pages.map((page) => open({}, '&fetch=kbs/support/top', page)));
        expect(await Promise.all(pages.map(firstFetch))).toEqual([200, 200, 200]);
        await sleep(300);
        expect(harness.server.sessions.size).toBe(1);
        const [survivor] = harness.server.sessions.keys();
        for (const page of pages) expect((await shown(page))?.session?.sessionId).toBe(survivor);
      });
    });

    describe('each change sent once, by the tab that made it', () => {
      it(`sends each tab its own field when two tabs changed different fields offline${offlineNote}`, async () => {
        const one = await open({ coalesceMs: 0 });
        const sessionId = await started(one);
        const two = await open({ coalesceMs: 0 });
        await started(two);
        await profile.setOffline(true);
        await one.evaluate(() => void window.manager?.update({ visitId: 'v-one' }));
        await two.evaluate(() => void window.manager?.update({ globalVisitId: 'g-two' }));
        await expect.poll(async () => (await shown(one))?.pendingUpdates).toBe(2);
        await profile.setOffline(false);
        await expect
          .poll(() => harness.server.sessions.get(sessionId))
          .toMatchObject({ visitId: 'v-one', globalVisitId: 'g-two' });
        await expect.poll(async () => (await shown(two))?.pendingUpdates).toBe(0);
        const sent = harness.server.calls('update').map((entry) => Object.keys(entry.body as object).sort());
        expect(sent.sort()).toEqual([['globalVisitId'], ['visitId']]);
      });

      const schedules = {
        'both offline, then online together': async (a: Page, b: Page) => {
          await profile.setOffline(true);
          await a.evaluate(() => void window.manager?.update({ visitId: 'a1' }));
          await expect.poll(async () => (await shown(b))?.session?.visitId).toBe('a1');
          await b.evaluate(() => void window.manager?.update({ visitId: 'b2' }));
          await profile.setOffline(false);
        },
        "a1's Update held up on the wire while b2 is made": async (a: Page, b: Page) => {
          harness.server.faults = { delayMs: 400 };
          await a.evaluate(() => void window.manager?.update({ visitId: 'a1' }));
          await expect.poll(() => harness.server.log.length).toBeGreaterThan(0);
          await b.evaluate(() => void window.manager?.update({ visitId: 'b2' }));
          harness.server.faults = {};
        },
        'a1 left by a tab closed offline, b2 made after': async (a: Page, b: Page) => {
          await profile.setOffline(true);
          await a.evaluate(() => void window.manager?.update({ visitId: 'a1' }));
          await expect.poll(async () => (await shown(b))?.session?.visitId).toBe('a1');
          await b.evaluate(() => void window.manager?.update({ visitId: 'b2' }));
          await a.close();
          closed.add(a);
          await profile.setOffline(false);
        },
        'b2 sent first, a1 retried after a failure': async (a: Page, b: Page) => {
          // Retry-After makes a1 wait the longest delay (300 ms) before its retry: b2 is made meanwhile. Polled
          // on the first answer, not on a count of one, which the retry may pass before a poll looks.
          harness.server.faults = { failNext: { count: 1, status: 503, retryAfter: 1 } };
          await a.evaluate(() => void window.manager?.update({ visitId: 'a1' }));
          await expect.poll(() => harness.server.calls('update')[0]?.status).toBe(503);
          await b.evaluate(() => void window.manager?.update({ visitId: 'b2' }));
        },
      };

      for (const [name, schedule] of Object.entries(schedules)) {
        it(`ends on the later value: a1 then b2 (${name})${name.includes('offline') ? offlineNote : ''}`, async () => {
          // No background check: its Retrieve, late in a slow engine, would take the 503 meant for a1.
          const options = {
            coalesceMs: 0,
            revalidate: false,
            retry: { attempts: 3, minDelayMs: 100, maxDelayMs: 300 },
          };
          const a = await open(options);
          const sessionId = await started(a);
          const b = await open(options);
          await started(b);
          await schedule(a, b);
          await expect.poll(async () => (await shown(b))?.pendingUpdates, { timeout: 5000 }).toBe(0);
          await sleep(300);
          expect(harness.server.sessions.get(sessionId)?.visitId).toBe('b2');
          expect((await shown(b))?.session?.visitId).toBe('b2');
          if (!closed.has(a)) expect((await shown(a))?.session?.visitId).toBe('b2');
        });
      }
    });
  });
}

declare global {
  interface Window {
    identified?: Promise<string> | undefined;
    resetDone?: Promise<string> | undefined;
  }
}
