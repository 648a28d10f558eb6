// @vitest-environment node
// The widget in browsers set up otherwise than the other tests set them up: private windows, and Firefox with
// its throttling of background tabs' timers left on. Each launches a browser of its own.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LaunchOptions } from './engines';
import { type EngineName, type EnginePage, engineLabel, type Profile, selectedEngines } from './engines';
import { type HostHarness, openWidget, snapshotOf, startedIn, startHostHarness } from './hostPages';

/** Sets up a harness launched with `options` for the tests `define` declares. */
function withBrowser(
  engineName: EngineName,
  options: LaunchOptions,
  define: (context: { harness: () => HostHarness; profile: () => Profile }) => void,
): void {
  let harness: HostHarness;
  let profile: Profile;
  beforeAll(async () => {
    harness = await startHostHarness(engineName, options);
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
  define({ harness: () => harness, profile: () => profile });
}

/** Runs in a page: what the Origin Private File System says, which Firefox refuses in private windows. */
async function fileSystem(): Promise<string> {
  try {
    await navigator.storage.getDirectory();
    return 'granted';
  } catch (error) {
    return (error as Error).name;
  }
}

/** How each engine opens a private window here. */
const privateWindows: Record<EngineName, string> = {
  chromium: 'an incognito profile: every playwright context is one',
  firefox: 'browser.privatebrowsing.autostart',
  // WebKitGTK 4.1's MiniBrowser gives --private and --automation the same ephemeral website data manager.
  webkit: 'MiniBrowser --private: ephemeral storage, as every WebDriver session of it has',
};

for (const engineName of selectedEngines()) {
  const label = engineLabel(engineName);
  const webkit = engineName === 'webkit';
  const timing = { timeout: webkit ? 60_000 : 30_000, retry: webkit ? 1 : 0 };

  describe(`in a private window of ${label} (${privateWindows[engineName]})`, timing, () => {
    withBrowser(engineName, { privateBrowsing: true }, ({ harness, profile }) => {
      const open = (options: object = {}, page?: EnginePage) =>
        openWidget(profile(), harness().origin, options, '', page);

      it('shares one session between two tabs and keeps it across a reload', async () => {
        const a = await open();
        // Firefox refuses the Origin Private File System in private windows: the window is one.
        if (engineName === 'firefox') expect(await a.evaluate(fileSystem)).toBe('SecurityError');
        const first = await startedIn(a);
        expect(first.error).toBeUndefined();
        const b = await open();
        const second = await startedIn(b);
        expect(second.sessionId).toBe(first.sessionId);
        expect(second.atReady).toMatchObject({ status: 'ready', storage: 'indexeddb', storageError: null });
        await b.reload();
        expect((await startedIn(b)).sessionId).toBe(first.sessionId);
        expect(harness().server.calls('create')).toHaveLength(1);
        await a.evaluate(() => window.call('update', { visitId: 'v-private' }));
        await expect.poll(async () => (await snapshotOf(b))?.session?.visitId).toBe('v-private');
      });
    });
  });

  if (engineName !== 'firefox') continue;

  describe(`in ${label} with its throttling of background tabs left on`, timing, () => {
    withBrowser(engineName, { backgroundThrottling: true }, ({ harness, profile }) => {
      it('makes one session when the lock holder, throttled in a background tab, outlasts the lock timeout', async () => {
        harness().server.faults = { delayMs: 6000 };
        const slow = await openWidget(profile(), harness().origin, { lockTimeoutMs: 400 });
        await expect.poll(() => harness().server.calls('create').length).toBe(1);
        // A new tab comes to the front: the holder's is in the background now, its timers throttled.
        const waiting = await profile().newPage();
        await waiting.goto(harness().origin);
        await expect.poll(() => slow.evaluate(() => document.visibilityState)).toBe('hidden');
        const gap = await slow.evaluate(async () => {
          // The first timer may have been due before the tab went to the background: the second is timed.
          await new Promise((resolve) => setTimeout(resolve, 10));
          const began = performance.now();
          await new Promise((resolve) => setTimeout(resolve, 10));
          return performance.now() - began;
        });
        expect(gap).toBeGreaterThan(400); // a 10 ms timer took longer than the others' lock timeout
        await waiting.evaluate(() => window.begin({ lockTimeoutMs: 400 }));
        const [a, b] = await Promise.all([startedIn(slow), startedIn(waiting)]);
        expect(a.sessionId).toBeTruthy();
        expect(b.sessionId).toBe(a.sessionId);
        expect(harness().server.calls('create')).toHaveLength(1);
      });
    });
  });
}
