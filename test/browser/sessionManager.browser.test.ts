// @vitest-environment node
// The SessionManager in real browsers: real IndexedDB, Web Locks and BroadcastChannel, pages of one browser
// profile standing in for the tabs of one browser. Every test runs in each engine GKC_ENGINES selects
// (Chromium, Firefox and WebKit by default), through the adapter in ./engines.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKnowledgeServer, type KnowledgeServer } from '../server/knowledgeServer';
import { type EnginePage, engineLabel, type Profile, selectedEngines } from './engines';
import { type Harness, startHarness } from './harness';

for (const engineName of selectedEngines()) {
  // WebKit opens each window in a web process of its own (1-3 s here), and its driver runs one command at a
  // time: its tests take longer.
  // WebKit's driver now and then loses the answer to a script (./webkitEngine asks a check again; the test's
  // own scripts it cannot): a WebKit test gets one more try as a backstop, and CI's log lists each test that
  // needed it, with the error the retry hid (test/suiteTimes.ts).
  const webkit = engineName === 'webkit';
  describe(`in ${engineLabel(engineName)}`, {
    timeout: webkit ? 60_000 : 20_000,
    retry: webkit ? 1 : 0,
  }, () => {
    let harness: Harness;
    let profile: Profile;

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
    });

    afterEach(async () => {
      await profile?.close();
    });

    /** Opens a page that starts a manager at load with these options (`query` adds to the page's URL). */
    async function open(options: object = {}, page?: EnginePage, query = ''): Promise<EnginePage> {
      const tab = page ?? (await profile.newPage());
      await tab.goto(`${harness.origin}/?start=${encodeURIComponent(JSON.stringify(options))}${query}`);
      return tab;
    }

    const started = (page: EnginePage) =>
      page.evaluate(async () => {
        const result = await window.started;
        if (!result) throw new Error('the page started no manager');
        return result;
      });
    /** The snapshot, its errors as plain fields (an Error does not survive every driver's serialisation). */
    const snapshot = (page: EnginePage) =>
      page.evaluate(() => {
        const current = window.manager?.getSnapshot();
        if (!current) return undefined;
        const plain = (error: Error | null) =>
          error && { name: error.name, message: error.message, code: (error as { code?: string }).code };
        return { ...current, error: plain(current.error), storageError: plain(current.storageError) };
      });

    it('keeps the session in IndexedDB across a reload: one Retrieve, no Create', async () => {
      const page = await open();
      const first = await started(page);
      expect(first.sessionId).toBeTruthy();
      expect((await snapshot(page))?.storage).toBe('indexeddb');
      expect(harness.server.calls('create')).toHaveLength(1);

      harness.server.log.length = 0;
      await page.reload();
      const second = await started(page);
      expect(second.sessionId).toBe(first.sessionId);
      expect((await snapshot(page))?.change).toMatchObject({ reason: 'restored' });
      await expect.poll(() => harness.server.log.length).toBe(1);
      expect(harness.server.log.map((entry) => entry.call)).toEqual(['retrieve']);
    });

    it('creates exactly one session when six tabs start together', async () => {
      // Six loaded tabs start their managers at once, and the Create is slow, so that the six provably overlap:
      // a tab that began after another had its session would pass by reading it from IndexedDB, testing
      // nothing (page loads alone spread over more than a second on a busy machine).
      harness.server.faults = { delayMs: 800 };
      const pages = await Promise.all(Array.from({ length: 6 }, () => profile.newPage()));
      await Promise.all(pages.map((page) => page.goto(harness.origin)));
      await Promise.all(pages.map((page) => page.evaluate(() => window.start())));
      const results = await Promise.all(pages.map(started));
      expect(new Set(results.map((result) => result.sessionId)).size).toBe(1);
      expect(results.every((result) => result.sessionId)).toBe(true);
      expect(harness.server.calls('create')).toHaveLength(1);
      const lastStart = Math.max(...results.map((result) => result.startedAt));
      expect(lastStart).toBeLessThan(Math.min(...results.map((result) => result.readyAt)));
    });

    it('adopts the session the server puts in place of a lost one, and stores it', async () => {
      const page = await open({ visitId: 'v-1' });
      const { sessionId: lost } = await started(page);
      harness.server.forgetSessions();
      await page.reload();
      await started(page);
      await expect.poll(async () => (await snapshot(page))?.change?.reason).toBe('replaced');
      const replaced = (await snapshot(page))?.session?.sessionId;
      expect(replaced).not.toBe(lost);
      await expect.poll(() => harness.server.sessions.get(replaced ?? '')?.visitId).toBe('v-1');
      await page.reload();
      expect((await started(page)).sessionId).toBe(replaced);
    });

    it('goes on in memory, and says why, when IndexedDB throws', async () => {
      const page = await open({}, undefined, '&breakIndexedDB');
      expect((await started(page)).sessionId).toBeTruthy();
      const state = await snapshot(page);
      expect(state).toMatchObject({ storage: 'memory', status: 'ready', storageError: { code: 'storage' } });
      expect(state?.storageError?.message).toMatch(/SecurityError: IndexedDB is disabled here/);
    });

    it('shows every other tab the new session after reset()', async () => {
      const [a, b] = [await open(), await open()];
      const { sessionId: old } = await started(a);
      expect((await started(b)).sessionId).toBe(old);
      const fresh = await a.evaluate(async () => (await window.manager?.reset())?.sessionId);
      expect(fresh).not.toBe(old);
      await expect.poll(async () => (await snapshot(b))?.session?.sessionId).toBe(fresh);
      expect((await snapshot(b))?.change).toMatchObject({ reason: 'reset', remote: true });
      expect(harness.server.calls('create')).toHaveLength(2);
    });

    it('is not wedged by a tab that holds the lock and never lets go', async () => {
      const holder = await profile.newPage();
      await holder.goto(harness.origin);
      const key = `gkc-session:${harness.origin}/gks-server/v1|`;
      await holder.evaluate((name) => {
        void navigator.locks.request(name, () => new Promise(() => {}));
      }, key);
      const page = await open({ lockTimeoutMs: 500 });
      const result = await started(page);
      expect(result.sessionId).toBeTruthy();
      expect(result.ms).toBeGreaterThanOrEqual(450);
      expect(harness.server.calls('create')).toHaveLength(1);
    });

    it('identifies an anonymous session in place, and every tab follows', async () => {
      const [a, b] = [await open(), await open()];
      const { sessionId } = await started(a);
      await started(b);
      await a.evaluate(() => window.manager?.identify({ customerId: 'c-77' }));
      expect(harness.server.sessions.get(sessionId ?? '')?.customerId).toBe('c-77');
      await expect.poll(async () => (await snapshot(b))?.session?.customerId).toBe('c-77');
      expect((await snapshot(b))?.session?.sessionId).toBe(sessionId);
    });

    it('shows an update in every tab at once, with one Update from the tab that made it', async () => {
      const [a, b] = [await open(), await open()];
      const { sessionId } = await started(a);
      await started(b);
      await a.evaluate(() => window.manager?.update({ visitId: 'v-cross' }));
      await expect.poll(async () => (await snapshot(b))?.session?.visitId).toBe('v-cross');
      expect(harness.server.sessions.get(sessionId ?? '')?.visitId).toBe('v-cross');
      expect(harness.server.calls('update')).toHaveLength(1);
    });

    it(`holds an update while the browser is offline and sends it when it is back${
      engineName === 'webkit'
        ? ' (offline emulated in the page: classic WebDriver cannot cut the network)'
        : ''
    }`, async () => {
      const page = await open();
      const { sessionId } = await started(page);
      await profile.setOffline(true);
      await page.evaluate(() => {
        void window.manager?.update({ visitId: 'v-offline' });
      });
      await expect.poll(async () => (await snapshot(page))?.pendingUpdates).toBe(1);
      expect(harness.server.calls('update')).toHaveLength(0);
      await profile.setOffline(false);
      await expect.poll(() => harness.server.sessions.get(sessionId ?? '')?.visitId).toBe('v-offline');
      await expect.poll(async () => (await snapshot(page))?.pendingUpdates).toBe(0);
    });

    it('sends after a reload an update made while the server was down', async () => {
      const page = await open({ retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 50 } });
      const { sessionId } = await started(page);
      harness.server.faults = { down: true };
      await page.evaluate(() => {
        void window.manager?.update({ visitId: 'v-durable' }).catch(() => {});
      });
      await expect.poll(async () => (await snapshot(page))?.error?.name).toBe('NetworkError');
      await page.close();
      harness.server.faults = {};
      const next = await open();
      expect((await started(next)).sessionId).toBe(sessionId);
      await expect.poll(() => harness.server.sessions.get(sessionId ?? '')?.visitId).toBe('v-durable');
      await expect.poll(async () => (await snapshot(next))?.pendingUpdates).toBe(0);
    });

    it('carries the session on a search, and repeats it with its body after the session was lost', async () => {
      const page = await open();
      const { sessionId } = await started(page);
      harness.server.forgetSessions();
      const result = await page.evaluate(async () => {
        const response = await window.manager?.fetch('kbs/support/search?lang=en', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'invoice' }),
        });
        return { status: response?.status, body: await response?.json() };
      });
      expect(result.status).toBe(200);
      expect(result.body.response.documents[0].id).toBe('invoice-download');
      const searches = harness.server.calls('search');
      expect(searches.map((entry) => entry.status)).toEqual([404, 200]);
      expect(searches[0]?.sessionId).toBe(sessionId);
      expect(searches[1]?.sessionId).not.toBe(sessionId);
      expect(searches[1]?.body).toEqual({ query: 'invoice' });
    });

    it('keeps the other tabs waiting for a tab whose Create is slow, so that one session is created', async () => {
      // The Create outlasts four lock timeouts: only the holder's heartbeats keep the other tab waiting.
      harness.server.faults = { delayMs: 2400 };
      const slow = await open({ lockTimeoutMs: 600 });
      await expect.poll(() => harness.server.calls('create').length).toBe(1);
      const waiting = await open({ lockTimeoutMs: 600 });
      const [a, b] = await Promise.all([started(slow), started(waiting)]);
      expect(b.sessionId).toBe(a.sessionId);
      expect(harness.server.calls('create')).toHaveLength(1);
    });

    it('lets the other tabs go on when a tab closes in the middle of its Create', async () => {
      harness.server.faults = { delayMs: 1500 };
      const creator = await open();
      await expect.poll(() => harness.server.calls('create').length).toBe(1);
      const waiting = await open({ lockTimeoutMs: 4000 });
      await creator.close(); // its lock goes with it
      harness.server.faults = {};
      const result = await started(waiting);
      expect(result.sessionId).toBeTruthy();
      expect(result.ms).toBeLessThan(4000); // it had the lock when the tab closed, not at the bound
      const later = await open();
      expect((await started(later)).sessionId).toBe(result.sessionId);
    });

    describe('against a Knowledge Center on another origin', () => {
      const withServer = async (
        options: Parameters<typeof createKnowledgeServer>[0],
        run: (url: string, server: KnowledgeServer) => Promise<void>,
      ) => {
        const server = createKnowledgeServer(options);
        const url = await server.listen();
        try {
          await run(url, server);
        } finally {
          await server.close();
        }
      };

      it('sends the identity headers through a real CORS preflight when the server allows them', async () => {
        await withServer({ allowedOrigins: [harness.origin] }, async (baseUrl, server) => {
          const page = await open({ baseUrl, customerId: 'c-cors' });
          const result = await started(page);
          expect(result.error).toBeUndefined();
          expect(server.calls('create')[0]).toMatchObject({ customerId: 'c-cors', origin: harness.origin });
        });
      });

      it('says what to check when the server refuses the identity headers', async () => {
        await withServer(
          { allowedOrigins: [harness.origin], allowIdentityHeaders: false },
          async (baseUrl, server) => {
            const page = await open({ baseUrl, customerId: 'c-cors', retry: false });
            const result = await started(page);
            expect(result.error).toMatch(
              /^NetworkError: .*CORS allows http:\/\/127\.0\.0\.1:\d+ and the gkc_customerId/,
            );
            expect(server.calls('create')).toHaveLength(0); // the preflight said no: the Create never left
            const anonymous = await open({ baseUrl, retry: false });
            expect((await started(anonymous)).sessionId).toBeTruthy(); // without identity headers it works
          },
        );
      });
    });
  });
}
