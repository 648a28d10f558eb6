// @vitest-environment node
// A session's lifetime across real tabs, in Chromium, Firefox and WebKit: pages of one profile share
// IndexedDB, Web Locks and BroadcastChannel, and agree on when a session has expired. Limits of a few
// hundred milliseconds stand for the half hour an application would set.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EnginePage, engineLabel, type Profile, selectedEngines } from './engines';
import { type Harness, startHarness } from './harness';

type Page = EnginePage;

// Opening a tab can take longer than this timeout (a WebKit window, 1-3 s): each test counts from the moment
// its tabs are open and on one session.
const idleTimeoutMs = 600;
/** Past 1.1 × the timeout, with room for a slow engine's round trips. */
const pastTheLimit = 1100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const engineName of selectedEngines()) {
  const engine = engineLabel(engineName);
  // WebKit: a window per tab, and a backstop retry for its driver's lost answers (see concurrency.browser).
  const webkit = engineName === 'webkit';
  describe(`a session lifetime in ${engine}`, {
    timeout: webkit ? 90_000 : 30_000,
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

    async function open(options: object): Promise<Page> {
      const tab = await profile.newPage();
      await tab.goto(`${harness.origin}/?start=${encodeURIComponent(JSON.stringify(options))}`);
      const started = await tab.evaluate(async () => window.started);
      if (!started?.sessionId) throw new Error(`the page has no session: ${started?.error}`);
      return tab;
    }

    /** One Knowledge request from the page: the session it went under, as the server saw it. */
    async function use(page: Page): Promise<string | null> {
      const from = harness.server.log.length;
      const status = await page.evaluate(
        async () => (await window.manager?.fetch('kbs/support/top'))?.status,
      );
      expect(status).toBe(200);
      return harness.server.log.slice(from).find((entry) => entry.call === 'top')?.sessionId ?? null;
    }

    const shown = (page: Page) =>
      page.evaluate(() => {
        const snapshot = window.manager?.getSnapshot();
        return {
          sessionId: snapshot?.session?.sessionId,
          reason: snapshot?.change?.reason,
          remote: snapshot?.change?.remote,
        };
      });

    it("keeps the active tab's session for a tab idle past the timeout", async () => {
      const options = { idleTimeoutMs, revalidate: false };
      const active = await open(options);
      const idle = await open(options);
      const session = await use(active);
      expect(await use(idle)).toBe(session); // the idle tab's last use
      const creates = harness.server.calls('create').length;
      // The active tab is used every ~100 ms for twice the timeout; the idle tab not at all.
      const began = Date.now();
      while (Date.now() - began < 2 * idleTimeoutMs) {
        expect(await use(active)).toBe(session);
        await sleep(100);
      }
      expect(await use(idle)).toBe(session);
      expect((await shown(idle)).sessionId).toBe(session);
      expect(harness.server.calls('create')).toHaveLength(creates);
    });

    it('creates one session when two tabs idle past the limit are used together, and both take it', async () => {
      const options = { idleTimeoutMs, revalidate: false, visitId: 'v-1' };
      const one = await open(options);
      const two = await open(options);
      const old = await use(one);
      expect(await use(two)).toBe(old);
      const from = harness.server.calls('create').length;
      await sleep(pastTheLimit);
      // Begun in both pages before either is awaited (WebKit's driver runs one command at a time).
      for (const page of [one, two])
        await page.evaluate(() => {
          window.lifetimeUse = window.manager?.fetch('kbs/support/top').then((response) => response.status);
        });
      expect(await one.evaluate(() => window.lifetimeUse)).toBe(200);
      expect(await two.evaluate(() => window.lifetimeUse)).toBe(200);
      const creates = harness.server.calls('create').slice(from);
      expect(creates).toHaveLength(1);
      expect(creates[0]?.body).toMatchObject({ visitId: 'v-1' });
      const [first, second] = [await shown(one), await shown(two)];
      expect(first.sessionId).not.toBe(old);
      expect(second.sessionId).toBe(first.sessionId);
      expect([first.reason, second.reason]).toEqual(['expired', 'expired']);
      expect([first.remote, second.remote].sort()).toEqual([false, true]); // one renewed it, one followed
      const after = harness.server.log.filter((entry) => entry.call === 'top').slice(-2);
      expect(after.map((entry) => entry.sessionId)).toEqual([first.sessionId, first.sessionId]);
    });

    it('restores a session within its limits with no request, and renews one past them with one Create', async () => {
      // Longer limits: a reload must come back within them.
      const options = { idleTimeoutMs: 4000, customerId: 'c-1', revalidate: false };
      const page = await open(options);
      const old = (await shown(page)).sessionId;
      harness.server.log.length = 0;
      await page.reload();
      const restored = await page.evaluate(async () => window.started);
      expect(restored?.sessionId).toBe(old);
      await sleep(100);
      expect(harness.server.log).toEqual([]);
      await sleep(4400 + 200);
      harness.server.log.length = 0;
      await page.reload();
      const renewed = await page.evaluate(async () => window.started);
      expect(renewed?.sessionId).not.toBe(old);
      expect(harness.server.calls('create')).toHaveLength(1);
      expect(harness.server.calls('create')[0]?.customerId).toBe('c-1');
      expect((await shown(page)).reason).toBe('expired');
    });
  });
}

declare global {
  interface Window {
    lifetimeUse?: Promise<number> | undefined;
  }
}
