/**
 * The engine adapter: one small API over the three browser engines the browser tests run in, so that each
 * test is written once. Chromium is Debian's, driven by playwright-core; Firefox ESR is Debian's, driven by
 * puppeteer-core over WebDriver BiDi (no geckodriver); WebKit is WebKitGTK's MiniBrowser, driven by
 * webdriverio through WebKitWebDriver (classic WebDriver) on an Xvfb display this module starts itself.
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
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { chromium, type Browser as PlaywrightBrowser } from 'playwright-core';

export type EngineName = 'chromium' | 'firefox' | 'webkit';

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

export const engineNames: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

const labels: Record<EngineName, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** The engine's name for test names, known before it is launched. */
export const engineLabel = (name: EngineName): string => labels[name];

/** The engines GKC_ENGINES names (comma or space separated), in the order above; all of them when unset. */
export function selectedEngines(value = process.env.GKC_ENGINES): EngineName[] {
  if (!value?.trim()) return [...engineNames];
  const asked = value.split(/[\s,]+/).filter(Boolean);
  for (const name of asked) {
    if (!engineNames.includes(name as EngineName)) {
      throw new Error(`GKC_ENGINES: unknown engine "${name}"; use ${engineNames.join(', ')}`);
    }
  }
  return engineNames.filter((name) => asked.includes(name));
}

export function launchEngine(name: EngineName): Promise<Engine> {
  if (name === 'chromium') return launchChromiumEngine();
  if (name === 'firefox') return launchFirefox();
  return launchWebKit();
}

// ---------------------------------------------------------------------------------------------- binaries

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const miniBrowserPath =
  process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const webKitDriverPath = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
const xvfbPath = '/usr/bin/Xvfb';

function requireBinary(what: string, path: string, aptPackage: string, variable?: string): void {
  if (existsSync(path)) return;
  throw new Error(
    `${what} was not found at ${path}. Install it with \`sudo apt-get update && sudo apt-get install -y ` +
      `${aptPackage}\`${variable ? `, or set ${variable}` : ''}, or leave the engine out: ` +
      'GKC_ENGINES=chromium,firefox,webkit names the engines to run.',
  );
}

// ---------------------------------------------------------------------------------------------- Chromium

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
    label: labels.chromium,
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

async function launchFirefox(): Promise<Engine> {
  requireBinary('Firefox ESR', firefoxPath, 'firefox-esr', 'FIREFOX_PATH');
  // Imported when used: a Chromium-only run never loads the other drivers. (The bench, which Vite's module
  // runner loads and then closes, uses Chromium only: playwright-core is imported statically above.)
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath,
    headless: true,
    extraPrefsFirefox: firefoxPrefs,
  });
  const version = (await browser.version()).replace(/^firefox\//, '');
  return {
    name: 'firefox',
    label: labels.firefox,
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

// ---------------------------------------------------------------------------------------------- WebKit

const offlineKey = 'gkc-test-offline';

/**
 * Puts the page offline or back online, as far as a page can: a `fetch` that rejects as Safari's does
 * offline, `navigator.onLine`, the `offline` and `online` events, and the state in localStorage for pages
 * loaded later. Runs in the page (its source is sent there), so it is self-contained.
 */
function emulateOffline(offline: boolean): void {
  const key = 'gkc-test-offline';
  const page = window as unknown as { gkcOffline?: { offline: boolean } };
  if (!page.gkcOffline) {
    const state = { offline: false };
    page.gkcOffline = state;
    const realFetch = window.fetch;
    window.fetch = (input, init) =>
      state.offline ? Promise.reject(new TypeError('Load failed')) : realFetch.call(window, input, init);
    Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => !state.offline });
  }
  const changed = page.gkcOffline.offline !== offline;
  page.gkcOffline.offline = offline;
  if (offline) localStorage.setItem(key, '1');
  else localStorage.removeItem(key);
  if (changed) window.dispatchEvent(new Event(offline ? 'offline' : 'online'));
}

/**
 * A classic script for the top of a test page in an engine whose offline is emulated: a page loaded while
 * its profile is offline starts offline, before any module runs.
 */
export const offlineEmulationScript = `if (localStorage.getItem(${JSON.stringify(offlineKey)}) === '1') (${emulateOffline.toString()})(true);`;

/** A port nobody listens on now (the OS picks it; the tiny window before the driver takes it is harmless). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts Xvfb on a display number it picks itself (`-displayfd`), so parallel runs never collide. */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn(xvfbPath, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  xvfb.stderr?.on('data', (chunk) => {
    errors += chunk;
  });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    xvfb.stdio[3]?.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it was ready: ${errors}`)));
  });
  return { display, process: xvfb };
}

async function waitForDriver(port: number, driver: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited (${driver.exitCode})`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`WebKitWebDriver did not answer on port ${port} within 15 s`);
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill();
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs in the page through `executeAsync`: evaluates a function's source with one argument, awaits it. */
function runInPage(
  source: string,
  arg: unknown,
  done: (result: { value?: unknown; error?: string }) => void,
): void {
  try {
    // Indirect eval: the function's source is evaluated in the page's global scope, as other drivers do.
    // biome-ignore lint/security/noGlobalEval: the adapter's evaluate sends a test's own function as source.
    const fn = globalThis.eval(`(${source})`) as (arg: unknown) => unknown;
    Promise.resolve(fn(arg)).then(
      (value) => done({ value }),
      (error) => done({ error: String(error?.stack ?? error) }),
    );
  } catch (error) {
    done({ error: String((error as Error)?.stack ?? error) });
  }
}

/** Runs in the page through `execute`: a synchronous check, given as a function's source, is it true? */
function checkInPage(source: string, arg: unknown): boolean {
  // biome-ignore lint/security/noGlobalEval: the adapter sends its own check function as source.
  const check = globalThis.eval(`(${source})`) as (arg: unknown) => unknown;
  return check(arg) === true;
}

async function launchWebKit(): Promise<Engine> {
  requireBinary('WebKitGTK MiniBrowser', miniBrowserPath, 'libwebkit2gtk-4.1-0', 'MINIBROWSER_PATH');
  requireBinary('WebKitWebDriver', webKitDriverPath, 'webkit2gtk-driver', 'WEBKIT_DRIVER_PATH');
  requireBinary('Xvfb', xvfbPath, 'xvfb');
  const { remote } = await import('webdriverio');
  const xvfb = await startXvfb();
  const port = await freePort();
  const driver = spawn(webKitDriverPath, [`--port=${port}`], {
    env: { ...process.env, DISPLAY: xvfb.display },
    stdio: 'ignore',
  });
  const sessions = new Set<{ deleteSession(): Promise<unknown> }>();
  try {
    await waitForDriver(port, driver);
  } catch (error) {
    await stop(driver);
    await stop(xvfb.process);
    throw error;
  }

  const newSession = () =>
    remote({
      logLevel: 'error',
      // A hostname and port always: without them webdriverio would look for a driver to download.
      hostname: '127.0.0.1',
      port,
      capabilities: {
        browserName: 'MiniBrowser',
        // WebKitWebDriver 2.50 speaks classic WebDriver only; without this the session is refused.
        'wdio:enforceWebDriverClassic': true,
        // Navigation returns at once: several tabs can start together, and `goto` waits for the load itself.
        pageLoadStrategy: 'none',
        'webkitgtk:browserOptions': { binary: miniBrowserPath, args: ['--automation'] },
      } as WebdriverIO.Capabilities,
    });

  const first = await newSession();
  const version = first.capabilities.browserVersion ?? 'unknown';
  let spare: typeof first | undefined = first;

  return {
    name: 'webkit',
    label: labels.webkit,
    version,
    offline: 'emulated',
    async newProfile() {
      // A WebDriver session is one MiniBrowser process with an ephemeral data store: a fresh profile.
      const browser = spare ?? (await newSession());
      spare = undefined;
      sessions.add(browser);
      // A script's answer can be lost when WebKit swaps the window's web process (its first navigation to an
      // origin): the bound makes such a command fail, and the load wait retry, instead of wedging the session.
      await browser.setTimeout({ script: 15_000 });
      // The session's first window stays open and blank: closing a session's last window ends the session,
      // and with it the profile's storage, while a test may close its only page and open another.
      const anchor = await browser.getWindowHandle();
      let current = anchor;
      // WebDriver commands go to the current window: each page's command switches first, one at a time.
      let queue: Promise<unknown> = Promise.resolve();
      // A command that never answers fails, naming itself, rather than leaving the test to its timeout.
      const inWindow = <T>(handle: string, command: () => Promise<T>): Promise<T> => {
        const run = queue.then(async () => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const named = command.toString().match(/browser\.(\w+)/)?.[1] ?? 'a command';
          const expired = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`WebKit: ${named} in window ${handle} had no answer in 30 s`)),
              30_000,
            );
          });
          try {
            return await Promise.race([
              (async () => {
                if (current !== handle) {
                  await browser.switchToWindow(handle);
                  current = handle;
                }
                return command();
              })(),
              expired,
            ]);
          } finally {
            clearTimeout(timer);
          }
        });
        queue = run.catch(() => {});
        return run;
      };
      const handles = new Set<string>();
      const evaluateIn = async (handle: string, fn: (arg: unknown) => unknown, arg?: unknown) => {
        const result = (await inWindow(handle, () =>
          browser.executeAsync(runInPage, fn.toString(), arg ?? null),
        )) as { value?: unknown; error?: string } | null;
        if (result?.error !== undefined) throw new Error(`evaluate in WebKit failed: ${result.error}`);
        return result?.value;
      };
      /** Waits until `check` (run in the window) says the document there has loaded (pageLoadStrategy 'none'). */
      const loaded = async <A>(handle: string, check: (arg: A) => boolean, arg: A) => {
        const deadline = Date.now() + 30_000;
        let last: unknown;
        for (;;) {
          try {
            // A synchronous script: an asynchronous one sent while the document is being replaced can go
            // unanswered in WebKit (seen under load), where a synchronous one answers or fails at once.
            if (
              (await inWindow(handle, () =>
                browser.execute(checkInPage, check.toString(), arg as unknown),
              )) === true
            ) {
              return;
            }
          } catch (error) {
            last = error; // the document is being replaced, or worse: said if it lasts
          }
          if (Date.now() > deadline) {
            throw new Error(`WebKit: the page did not load within 30 s (${last ?? 'no error'})`);
          }
          await sleep(20);
        }
      };
      return {
        async newPage() {
          // A window, not a tab: MiniBrowser throttles hidden tabs, which then start up to 0.9 s late.
          const { handle } = await inWindow(anchor, () => browser.createWindow('window'));
          handles.add(handle);
          return {
            async goto(url) {
              const target = new URL(url).href;
              await inWindow(handle, () => browser.navigateTo(target));
              // The window's URL as the browser (not the page) knows it: no script until the navigation has
              // committed, in the web process that will run the page.
              const deadline = Date.now() + 30_000;
              while ((await inWindow(handle, () => browser.getUrl())) !== target) {
                if (Date.now() > deadline) throw new Error(`WebKit: ${target} did not commit within 30 s`);
                await sleep(20);
              }
              await loaded(
                handle,
                (href) => document.readyState === 'complete' && location.href === href,
                target,
              );
            },
            evaluate: ((fn: (arg: unknown) => unknown, arg?: unknown) =>
              evaluateIn(handle, fn, arg)) as EnginePage['evaluate'],
            async reload() {
              const token = `${Date.now()}-${Math.random()}`;
              await inWindow(handle, async () => {
                await browser.execute((value: string) => {
                  (window as unknown as { gkcReload?: string }).gkcReload = value;
                }, token);
                await browser.refresh();
              });
              await loaded(
                handle,
                (value) =>
                  document.readyState === 'complete' &&
                  (window as unknown as { gkcReload?: string }).gkcReload !== value,
                token,
              );
            },
            setViewport: ({ width, height }) => inWindow(handle, () => browser.setWindowSize(width, height)),
            // Classic WebDriver's screenshot is of the viewport only.
            screenshot: (path) => inWindow(handle, async () => void (await browser.saveScreenshot(path))),
            async close() {
              await inWindow(handle, () => browser.closeWindow());
              handles.delete(handle);
              current = '';
            },
          };
        },
        async setOffline(offline) {
          if (handles.size === 0) throw new Error('WebKit: setOffline needs a page of the profile open');
          for (const handle of handles) {
            await evaluateIn(handle, emulateOffline as (arg: unknown) => void, offline);
          }
        },
        async close() {
          sessions.delete(browser);
          await browser.deleteSession();
        },
      };
    },
    async close() {
      await spare?.deleteSession().catch(() => {});
      for (const session of sessions) await session.deleteSession().catch(() => {});
      await stop(driver);
      await stop(xvfb.process);
    },
  };
}
