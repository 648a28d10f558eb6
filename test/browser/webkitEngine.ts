/**
 * WebKit for the engine adapter (./engines describes the API): WebKitGTK's MiniBrowser, driven by webdriverio
 * through WebKitWebDriver (classic WebDriver) on an Xvfb display started here. A profile is a WebDriver
 * session (one MiniBrowser process, ephemeral storage); a page is a top-level window of it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { engineLabel } from './engineNames';
import { type Engine, type EnginePage, type LaunchOptions, miniBrowserPath, requireBinary } from './engines';

const webKitDriverPath = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
const xvfbPath = '/usr/bin/Xvfb';
const offlineKey = 'gkc-test-offline';

/**
 * Puts the page offline or back online, as far as a page can: a `fetch` that rejects as Safari's does
 * offline, `navigator.onLine`, the `offline` and `online` events, and the state in localStorage for pages
 * loaded later. Runs in the page (its source is sent there), so it is self-contained.
 */
export function emulateOffline(offline: boolean): void {
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

/**
 * How long a command may go unanswered: a page's own script (evaluate) has 30 s; a check that can be asked
 * again (the window's URL, has the page loaded) has 5 s, then is asked again. WebKit has been seen to lose
 * the answer to a script sent while a window's web process is swapped (see the harness on COOP); the
 * session goes on answering other commands at once, so asking again costs 5 s instead of the test.
 */
const commandMs = 30_000;
const checkMs = 5_000;

export async function launchWebKit({ privateBrowsing = false }: LaunchOptions = {}): Promise<Engine> {
  requireBinary('WebKitGTK MiniBrowser', miniBrowserPath, 'libwebkit2gtk-4.1-0', 'MINIBROWSER_PATH');
  requireBinary('WebKitWebDriver', webKitDriverPath, 'webkit2gtk-driver', 'WEBKIT_DRIVER_PATH');
  requireBinary('Xvfb', xvfbPath, 'xvfb');
  const { remote } = await import('webdriverio');
  const xvfb = await startXvfb();
  const drivers = new Set<ChildProcess>();
  // A test worker that ends without `close()` (a hook that timed out) leaves no driver or display behind;
  // MiniBrowser goes with its display.
  const orphans = () => {
    for (const driver of drivers) driver.kill();
    xvfb.process.kill();
  };
  process.once('exit', orphans);
  /** A WebKitWebDriver of its own for each session: one holds a single session at a time. */
  const startDriver = async () => {
    const port = await freePort();
    const driver = spawn(webKitDriverPath, [`--port=${port}`], {
      env: { ...process.env, DISPLAY: xvfb.display },
      stdio: 'ignore',
    });
    drivers.add(driver);
    try {
      await waitForDriver(port, driver);
    } catch (error) {
      await stop(driver);
      throw error;
    }
    return { port, driver };
  };

  const newSession = async () => {
    const { port, driver } = await startDriver();
    const browser = await remote({
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
        'webkitgtk:browserOptions': {
          binary: miniBrowserPath,
          args: privateBrowsing ? ['--automation', '--private'] : ['--automation'],
        },
      } as WebdriverIO.Capabilities,
    }).catch(async (error) => {
      await stop(driver);
      throw error;
    });
    const end = async () => {
      try {
        await browser.deleteSession();
      } finally {
        await stop(driver);
        drivers.delete(driver);
      }
    };
    // Bounds the driver's own wait for an asynchronous script, below the adapter's.
    await browser.setTimeout({ script: 15_000 });
    // The session's first window stays open and blank: closing a session's last window ends the session,
    // and with it the profile's storage, while a test may close its only page and open another.
    return { browser, anchor: await browser.getWindowHandle(), end };
  };
  type Session = Awaited<ReturnType<typeof newSession>>;

  // The first session answers the version, then serves the first profile.
  let first: Session | undefined = await newSession();
  const version = first.browser.capabilities.browserVersion ?? 'unknown';
  const sessions = new Set<Session>();
  let lostAnswers = 0;

  return {
    name: 'webkit',
    label: engineLabel('webkit'),
    version,
    offline: 'emulated',
    async newProfile() {
      const session = first ?? (await newSession());
      first = undefined;
      const { browser, anchor } = session;
      sessions.add(session);
      let current = anchor;
      // WebDriver commands go to the current window: each page's command switches first, one at a time.
      let queue: Promise<unknown> = Promise.resolve();
      // A command that never answers fails, naming itself, rather than leaving the test to its timeout.
      const inWindow = <T>(
        handle: string,
        command: () => Promise<T>,
        limitMs = commandMs,
        named = command.toString().match(/browser\.(\w+)/)?.[1] ?? 'a command',
      ): Promise<T> => {
        const run = queue.then(async () => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const expired = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new Error(`WebKit: ${named} in window ${handle} had no answer in ${limitMs / 1000} s`),
                ),
              limitMs,
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
      /** A check that can be asked again: one whose answer is lost is asked again after `checkMs`. */
      const ask = async <T>(handle: string, command: () => Promise<T>): Promise<T> => {
        try {
          return await inWindow(handle, command, checkMs);
        } catch (error) {
          if (!String(error).includes('had no answer')) throw error;
          lostAnswers++;
          console.warn(`${error}: asked again (${lostAnswers} lost in this engine so far)`);
          return inWindow(handle, command, checkMs);
        }
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
              (await ask(handle, () => browser.execute(checkInPage, check.toString(), arg as unknown))) ===
              true
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
              while ((await ask(handle, () => browser.getUrl())) !== target) {
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
              await inWindow(
                handle,
                async () => {
                  // webdriverio answers a closed window by switching to the first one left, by itself and
                  // unawaited: wait for that switch, or it lands among this adapter's next commands (in
                  // another window, or after the session was deleted).
                  let listener: (event: { command?: string }) => void = () => {};
                  const switched = new Promise<void>((resolve) => {
                    listener = (event) => {
                      if (event.command === 'switchToWindow') resolve();
                    };
                    browser.on('result', listener);
                  });
                  try {
                    await browser.closeWindow();
                    await Promise.race([switched, sleep(2000)]);
                  } finally {
                    browser.off('result', listener);
                  }
                },
                commandMs,
                'closeWindow',
              );
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
          sessions.delete(session);
          await session.end();
        },
      };
    },
    async close() {
      if (first) sessions.add(first);
      for (const session of sessions) await session.end().catch(() => {});
      for (const driver of drivers) await stop(driver);
      await stop(xvfb.process);
      process.off('exit', orphans);
    },
  };
}
