// The bench's origin and browser: two pages (the library's, and the floor's without it) and the stand-in
// Knowledge Center on one origin, Debian's Chromium through playwright-core, and the helpers that read a
// sample from a page.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { bundle, launchChromium } from '../browser/harness';
import { createKnowledgeServer, type KnowledgeServer } from '../server/knowledgeServer';
import type { PageStart } from './pageStart';

export interface BenchPages {
  server: KnowledgeServer;
  browser: Browser;
  /**
   * The library's page with `managers` started as its module runs, or when the bench says so (`later`), with
   * the recommended session lifetime when `lifetime`; none: the bench drives the page.
   */
  libraryUrl(managers: number, later?: boolean, lifetime?: boolean): string;
  /** The page without the library: the warm floor, or the cold-start control; `later` as above. */
  floorUrl(mode: 'warm' | 'cold', later?: boolean): string;
  close(): Promise<void>;
}

const pageEntries = { library: '../bench/libraryPage.ts', floor: '../bench/floorPage.ts' } as const;

export async function startBenchPages(): Promise<BenchPages> {
  const launching = launchChromium();
  // Bundled once, as an application ships them (paths relative to test/browser/harness.ts).
  // Minified, as an application ships them: a first call compiles its function from the source text, and
  // comments and long names would be counted against the library and not against the floor's few lines.
  const bundles = Promise.all([
    bundle(pageEntries.library, { minify: true }),
    bundle(pageEntries.floor, { minify: true }),
  ]);
  // A failed bundle must not leave Chromium running (it would keep the process alive).
  const [[library, floor], browser] = await Promise.all([
    bundles.catch(async (error: unknown) => {
      await (await launching).close();
      throw error;
    }),
    launching,
  ]);
  const scripts: Record<string, string> = { '/library.js': library, '/floor.js': floor };
  const server = createKnowledgeServer();
  const http: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    // Cross-origin isolation gives performance.now() 5 µs steps instead of 100 µs: the bench needs them.
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    const script = scripts[path];
    if (script !== undefined) {
      // A returning visitor's page: the script comes from the HTTP cache, with V8's code cache, as an
      // application's hashed bundles do. Both pages are served alike.
      res.setHeader('content-type', 'text/javascript');
      res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      return void res.end(script);
    }
    const html = path.match(/^\/(library|floor)\.html$/)?.[1];
    if (html) {
      res.setHeader('content-type', 'text/html');
      res.setHeader('cache-control', 'no-store');
      return void res.end(
        `<!doctype html><meta charset="utf-8"><title>gkc-session bench</title><script type="module" src="/${html}.js"></script>`,
      );
    }
    server.handle(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    server,
    browser,
    libraryUrl: (managers, later, lifetime) =>
      `${origin}/library.html?managers=${managers}${later ? '&later' : ''}${lifetime ? '&lifetime' : ''}`,
    floorUrl: (mode, later) => `${origin}/floor.html?${mode}${later ? '&later' : ''}`,
    async close() {
      await browser.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** The page's start-up report (begun now if it waits for the bench); its error fails the bench. */
export async function startOf(page: Page): Promise<PageStart> {
  const start = await page.evaluate(() => window.benchBegin());
  if (start.error) throw new Error(`${page.url()}: ${start.error}`);
  return start;
}

/** The page's fetch requests that began by `at` (Resource Timing lists a request once it has finished). */
export function requestsBy(page: Page, at: number): Promise<number> {
  return page.evaluate(
    (by) =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter(
        (entry) => entry.initiatorType === 'fetch' && entry.startTime <= by,
      ).length,
    at,
  );
}

/**
 * Waits for the requests a page sends after its start (the background Retrieve of a warm start) to be over:
 * `atLeast` requests logged since `from`, then none for `quietMs`; or `timeoutMs` in all. Returns how many
 * were logged since `from`. The next page load then shares the machine with no request of this one.
 */
export async function settle(
  server: KnowledgeServer,
  from: number,
  { atLeast = 1, quietMs = 150, timeoutMs = 1500 } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = server.log.length;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (server.log.length !== seen) {
      seen = server.log.length;
      quietSince = Date.now();
    } else if (seen - from >= atLeast && Date.now() - quietSince >= quietMs) break;
  }
  return server.log.length - from;
}
