/**
 * The engine adapter: one small API over the three browser engines the browser tests run in, so that each
 * test is written once. Chromium is Debian's, driven by playwright-core; Firefox ESR is Debian's, driven by
 * puppeteer-core over WebDriver BiDi (no geckodriver); WebKit is WebKitGTK's MiniBrowser, driven by
 * webdriverio through WebKitWebDriver (classic WebDriver) on an Xvfb display ./webkitEngine starts itself.
 *
 *     const engine = await launchEngine('firefox');   // once per file (Chromium ~1 s, Firefox ~5 s, WebKit ~2 s)
 *     const profile = await engine.newProfile();       // playwright: browser.newContext(); fresh storage
 *     const page = await profile.newPage();            // context.newPage(): a blank tab of that profile
 *     await page.goto(url);                            // page.goto: resolves once the document has loaded
 *     await page.evaluate((arg) => ..., arg);          // page.evaluate: runs in the page, awaits a promise;
 *                                                      // argument and result must survive JSON (an Error
 *                                                      // comes back as {} from some drivers: return its
 *                                                      // fields); the function cannot close over test code
 *     await page.reload();                             // page.reload: resolves once the new document loaded
 *     await page.close();                              // closing a tab releases its Web Locks
 *     await page.setViewport({ width: 375, height: 740 }); // WebKit: the window's size, frame included
 *     await page.screenshot(path);                     // PNG; the full page where the driver can
 *     await profile.setOffline(true);                  // context.setOffline: every page of the profile (in
 *                                                      // WebKit at least one must be open)
 *     await profile.close();
 *     await engine.close();
 *
 * `engine.name` ('chromium' | 'firefox' | 'webkit') and `engine.label` ('Chromium', 'Firefox', 'WebKit') name
 * the engine in test names; `engine.version` is the browser's own version string.
 *
 * `engine.offline` says how `setOffline` works. 'network': the driver takes the page's network down
 * (Chromium through CDP, Firefox through BiDi's network conditions) and the browser fires `offline` and
 * reports `navigator.onLine` false. 'emulated' (WebKit: classic WebDriver has no network control): the pages
 * open in the profile get a `fetch` that rejects as Safari's does offline (`TypeError: Load failed`),
 * `navigator.onLine` false and the `offline` event; the state is kept in the origin's localStorage, so a page
 * the harness serves (which includes `offlineEmulationScript`) starts offline too. Only `fetch` is cut:
 * enough for this library, which sends through the global `fetch` looked up on each call. A test that
 * depends on the difference says so in its name.
 *
 * Tabs of one profile share IndexedDB, Web Locks, BroadcastChannel and localStorage; profiles share nothing.
 * In WebKit a "tab" is a top-level window (MiniBrowser ignores `window.open`, which webdriverio's `newWindow`
 * uses, and throttles hidden tabs) and a profile is a WebDriver session (one MiniBrowser process, ~1 s to
 * start); WebDriver runs one command at a time, so `evaluate` in two WebKit pages runs one after the other.
 *
 * Porting a playwright test: `browser.newContext()` is `harness.newProfile()` (./harness: `startHarness(name)`
 * also gives `server`, the stand-in Knowledge Center with its `faults`, and `origin`), `context.newPage()` is
 * `profile.newPage()`, `context.setOffline()` is `profile.setOffline()`, `page.evaluate` and `page.reload` are
 * the same. There is no `addInitScript` (classic WebDriver has none): the test page (./pageEntry) takes
 * `?start={options}` to start a manager at load, `window.start(options)` to start one later, and
 * `?breakIndexedDB`. Pages of one profile can be driven concurrently (`Promise.all`) in every engine.
 *
 * `selectedEngines()` reads GKC_ENGINES (for example `GKC_ENGINES=chromium,firefox`; all three by default).
 * A missing browser fails the launch with a message naming the Debian package to install.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser as PlaywrightBrowser } from 'playwright-core';
import { type EngineName, engineLabel } from './engineNames';

export { type EngineName, engineLabel, engineNames, selectedEngines } from './engineNames';

export interface EnginePage {
  goto(url: string): Promise<void>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  reload(): Promise<void>;
  close(): Promise<void>;
  setViewport(size: { width: number; height: number }): Promise<void>;
  screenshot(path: string): Promise<void>;
}

export interface Profile {
  newPage(): Promise<EnginePage>;
  setOffline(offline: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  readonly label: string;
  readonly version: string;
  readonly offline: 'network' | 'emulated';
  newProfile(): Promise<Profile>;
  close(): Promise<void>;
}

/** How a browser is launched, for the tests of a host page's conditions; the defaults serve every other test. */
export interface LaunchOptions {
  /**
   * Private browsing: Firefox's whole browser (`browser.privatebrowsing.autostart`), WebKit's MiniBrowser
   * `--private`. Chromium's playwright contexts are off-the-record (incognito) profiles already.
   * @default false
   */
  privateBrowsing?: boolean;
  /**
   * Firefox: keep its throttling of background tabs' timers (the browser's own defaults) rather than turn it
   * off as the other tests do (`firefoxPrefs`).
   * @default false
   */
  backgroundThrottling?: boolean;
}

export function launchEngine(name: EngineName, options: LaunchOptions = {}): Promise<Engine> {
  if (name === 'chromium') return launchChromiumEngine();
  if (name === 'firefox') return launchFirefox(options);
  // Imported when used, as the other drivers are: ./webkitEngine.
  return import('./webkitEngine').then(({ launchWebKit }) => launchWebKit(options));
}

// ---------------------------------------------------------------------------------------------- binaries

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const miniBrowserPath =
  process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Fails, naming the Debian package to install, when a browser or driver is missing. */
export function requireBinary(what: string, path: string, aptPackage: string, variable?: string): void {
  if (existsSync(path)) return;
  throw new Error(
    `${what} was not found at ${path}. Install it with \`sudo apt-get update && sudo apt-get install -y ` +
      `${aptPackage}\`${variable ? `, or set ${variable}` : ''}, or leave the engine out: ` +
      'GKC_ENGINES=chromium,firefox,webkit names the engines to run.',
  );
}

// ---------------------------------------------------------------------------------------------- Chromium

/**
 * Chromium 156 gives every window two WebUI pages of its own (the omnibox popups,
 * chrome://omnibox-popup.top-chrome) in a renderer of their own, and headless Chromium makes a window of every
 * page: about 1.4 s of CPU per page, a third of what the browser tests cost in Chromium. A second
 * `--disable-features` replaces playwright's rather than adding to it, so playwright-core 1.65's own list
 * (its chromiumSwitches.ts) comes first: compare it when upgrading playwright-core.
 */
const disabledFeatures = [
  ...['AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades'],
  ...['HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding'],
  ...['ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin'],
  ...['OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch'],
  ...['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'],
];

/** Flags that keep Chromium quiet on a closed network, and let it run as root. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--disable-features=${disabledFeatures.join(',')}`,
];

/** Debian's Chromium through playwright-core, for the tests and the bench that use playwright itself. */
export async function launchChromium(): Promise<PlaywrightBrowser> {
  requireBinary('Chromium', chromiumPath, 'chromium', 'CHROMIUM_PATH');
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

async function launchChromiumEngine(): Promise<Engine> {
  const browser = await launchChromium();
  return {
    name: 'chromium',
    label: engineLabel('chromium'),
    version: browser.version(),
    offline: 'network',
    async newProfile() {
      const context = await browser.newContext();
      return {
        async newPage() {
          const page = await context.newPage();
          return {
            goto: async (url) => void (await page.goto(url)),
            evaluate: (fn: (arg: unknown) => unknown, arg?: unknown) => page.evaluate(fn, arg),
            reload: async () => void (await page.reload()),
            close: () => page.close(),
            setViewport: (size) => page.setViewportSize(size),
            screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
          } as EnginePage;
        },
        setOffline: (offline) => context.setOffline(offline),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---------------------------------------------------------------------------------------------- Firefox

/**
 * Firefox throttles timers in background tabs (a tab that is not the selected one): "simultaneous" tabs
 * then start up to 0.5 s apart and an update made in one reaches the others a second late. These take the
 * throttling away, as a visible window would.
 */
const firefoxPrefs = {
  'dom.min_background_timeout_value': 4,
  'dom.min_background_timeout_value_without_budget_throttling': 4,
  'dom.timeout.enable_budget_timer_throttling': false,
};

async function launchFirefox({
  privateBrowsing = false,
  backgroundThrottling = false,
}: LaunchOptions): Promise<Engine> {
  requireBinary('Firefox ESR', firefoxPath, 'firefox-esr', 'FIREFOX_PATH');
  // Imported when used: a Chromium-only run never loads the other drivers. (The bench, which Vite's module
  // runner loads and then closes, uses Chromium only: playwright-core is imported statically above.)
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath,
    headless: true,
    extraPrefsFirefox: {
      ...(backgroundThrottling ? {} : firefoxPrefs),
      ...(privateBrowsing ? { 'browser.privatebrowsing.autostart': true } : {}),
    },
  });
  const version = (await browser.version()).replace(/^firefox\//, '');
  return {
    name: 'firefox',
    label: engineLabel('firefox'),
    version,
    offline: 'network',
    async newProfile() {
      // A BiDi user context: storage, locks and channels of its own (Firefox keys them by origin attributes).
      const context = await browser.createBrowserContext();
      let offline = false;
      return {
        async newPage() {
          const page = await context.newPage();
          // Network conditions belong to a tab in Firefox: a new tab of an offline profile is made offline too.
          if (offline) await page.setOfflineMode(true);
          return {
            goto: async (url) => void (await page.goto(url)),
            evaluate: (fn: (arg: unknown) => unknown, arg?: unknown) => page.evaluate(fn, arg),
            reload: async () => void (await page.reload()),
            close: () => page.close(),
            setViewport: (size) => page.setViewport(size),
            screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
          } as EnginePage;
        },
        async setOffline(next) {
          offline = next;
          await Promise.all((await context.pages()).map((page) => page.setOfflineMode(next)));
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
