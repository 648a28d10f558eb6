// `npm run bench`: the library's costs measured in real Chromium against the stand-in server, each figure
// set beside its baseline measured in the same run (this machine is shared and noisy: ratios, not times).
import { cpus, totalmem } from 'node:os';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, startPageServer } from '../browser/harness';

interface Row {
  measure: string;
  median: number;
  min: number;
  max: number;
  unit: string;
  target: string;
  met: boolean;
}

const rows: Row[] = [];

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number };
}

function record(
  measure: string,
  values: number[],
  unit: string,
  target: string,
  met: (median: number) => boolean,
) {
  const { median, min, max } = stats(values);
  rows.push({ measure, median, min, max, unit, target, met: met(median) });
}

async function open(context: BrowserContext, harness: Harness, start?: object): Promise<Page> {
  const page = await context.newPage();
  const query = start ? `?start=${encodeURIComponent(JSON.stringify(start))}` : '';
  await page.goto(`${harness.origin}/${query}`);
  return page;
}

/** Warm start: ready() against one raw IndexedDB read of a small record, in the same page, order alternated. */
async function warmStart(harness: Harness, rounds: number): Promise<void> {
  const context = await harness.browser.newContext();
  const page = await open(context, harness);
  await page.evaluate(async () => {
    // A session to restore, and a small record for the raw read to fetch.
    const manager = window.gkc.createSessionManager({ baseUrl: '/gks-server/v1' });
    await manager.ready();
    manager.destroy();
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open('bench-raw', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('records');
      request.onsuccess = () => {
        const tx = request.result.transaction('records', 'readwrite');
        tx.objectStore('records').put({ sessionId: 'x'.repeat(36), savedAt: Date.now() }, 'record');
        tx.oncomplete = () => {
          request.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
    });
  });
  const ratios: number[] = [];
  const readyMs: number[] = [];
  const beforeReady: number[] = [];
  const duringLoad: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await page.reload();
    const logBefore = harness.server.log.length;
    const result = await page.evaluate(
      async (rawFirst) => {
        const rawRead = () =>
          new Promise<number>((resolve, reject) => {
            const began = performance.now();
            const request = indexedDB.open('bench-raw', 1);
            request.onsuccess = () => {
              const get = request.result.transaction('records').objectStore('records').get('record');
              get.onsuccess = () => {
                request.result.close();
                resolve(performance.now() - began);
              };
              get.onerror = () => reject(get.error);
            };
            request.onerror = () => reject(request.error);
          });
        let requests = 0;
        const plainFetch = window.fetch.bind(window);
        window.fetch = (...args: Parameters<typeof fetch>) => {
          requests++;
          return plainFetch(...args);
        };
        const warm = async () => {
          const began = performance.now();
          const manager = window.gkc.createSessionManager({ baseUrl: '/gks-server/v1' });
          await manager.ready();
          const ms = performance.now() - began;
          const before = requests;
          window.manager = manager;
          return { ms, before };
        };
        if (rawFirst) {
          const raw = await rawRead();
          return { raw, ...(await warm()) };
        }
        const ready = await warm();
        return { raw: await rawRead(), ...ready };
      },
      round % 2 === 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the background check finish
    ratios.push(result.ms / result.raw);
    readyMs.push(result.ms);
    beforeReady.push(result.before);
    duringLoad.push(harness.server.log.length - logBefore);
  }
  record('warm start: ready() / one raw IndexedDB read', ratios, 'x', '<= 1.5', (m) => m <= 1.5);
  record('warm start: ready()', readyMs, 'ms', 'info', () => true);
  record('warm start: requests before ready() resolves', beforeReady, 'requests', '= 0', (m) => m === 0);
  record('warm start: requests during the page load', duringLoad, 'requests', '<= 1', (m) => m <= 1);
  await context.close();
}

/**
 * Six tabs of one profile starting together on a cold browser, against one tab alone; and, as a control in
 * the same round, the same cold-start work done by hand with no library (open, read, Create, write), which
 * shows what six renderers starting at once cost this machine before the library does anything.
 */
async function sixTabs(harness: Harness, rounds: number): Promise<void> {
  const creates: number[] = [];
  const ratios: number[] = [];
  const controls: number[] = [];
  const normalised: number[] = [];
  const timeTabs = async (count: number, query: string, read: (page: Page) => Promise<number>) => {
    const context = await harness.browser.newContext();
    const pages = await Promise.all(Array.from({ length: count }, () => context.newPage()));
    await Promise.all(pages.map((page) => page.goto(`${harness.origin}/?${query}`)));
    const times = await Promise.all(pages.map(read));
    await context.close();
    return Math.max(...times);
  };
  const managed = (page: Page) => page.evaluate(async () => (await window.started)?.ms ?? Number.NaN);
  const byHand = (page: Page) => page.evaluate(async () => (await window.rawCold) ?? Number.NaN);
  for (let round = 0; round < rounds; round++) {
    const alone = await timeTabs(1, 'start=%7B%7D', managed);
    const createsBefore = harness.server.calls('create').length;
    const six = await timeTabs(6, 'start=%7B%7D', managed);
    creates.push(harness.server.calls('create').length - createsBefore);
    const control = (await timeTabs(6, 'raw', byHand)) / (await timeTabs(1, 'raw', byHand));
    ratios.push(six / alone);
    controls.push(control);
    normalised.push(six / alone / control);
  }
  record('six cold tabs: Creates', creates, 'requests', '= 1', (m) => m === 1);
  record("six cold tabs: slowest tab's ready() / one tab's", ratios, 'x', '<= 1.5', (m) => m <= 1.5);
  record('control, no library: six tabs by hand, slowest / one', controls, 'x', 'info', () => true);
  record('six cold tabs: the ratio above / the control', normalised, 'x', 'info', () => true);
}

/**
 * Five managers of one server started together in a fresh page load, against one manager alone in another
 * (a warm start: the session is stored), order alternated: they share one store connection, one read, one
 * channel and one background Retrieve.
 */
async function fiveManagers(harness: Harness, rounds: number): Promise<void> {
  const context = await harness.browser.newContext();
  const setup = await open(context, harness, {});
  await setup.evaluate(() => window.started);
  await setup.close();
  const one: number[] = [];
  const five: number[] = [];
  const retrieves: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const count of round % 2 ? [1, 5] : [5, 1]) {
      const page = await open(context, harness);
      const before = harness.server.calls('retrieve').length;
      const ms = await page.evaluate(async (n) => {
        const began = performance.now();
        const managers = Array.from({ length: n }, () =>
          window.gkc.createSessionManager({ baseUrl: '/gks-server/v1' }),
        );
        await Promise.all(managers.map((manager) => manager.ready()));
        const took = performance.now() - began;
        await new Promise((resolve) => setTimeout(resolve, 150)); // the background check, if any
        for (const manager of managers) manager.destroy();
        return took;
      }, count);
      if (count === 1) one.push(ms);
      else {
        five.push(ms);
        retrieves.push(harness.server.calls('retrieve').length - before);
      }
      await page.close();
    }
  }
  await context.close();
  record('five managers in one page: Retrieves', retrieves, 'requests', '= 1', (m) => m === 1);
  record('one manager, warm: ready()', one, 'ms', 'info', () => true);
  record('five managers, warm: all ready()', five, 'ms', 'info', () => true);
  const ratio = stats(five).median / stats(one).median;
  record('five managers, warm: all ready() / one manager', [ratio], 'x', '<= 1.5', (m) => m <= 1.5);
}

/** manager.fetch against a plain fetch of the same URL: 100 sequential calls each, interleaved. */
async function fetchOverhead(harness: Harness, rounds: number): Promise<void> {
  const context = await harness.browser.newContext();
  const page = await open(context, harness, {});
  await page.evaluate(() => window.started);
  const ratios: number[] = [];
  const plainMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const { managed, plain } = await page.evaluate(async () => {
      const manager = window.manager as NonNullable<typeof window.manager>;
      const { sessionId } = await manager.ready();
      const url = `/gks-server/v1/kbs/support/top?sessionId=${encodeURIComponent(sessionId)}`;
      const managedMs: number[] = [];
      const plainMs: number[] = [];
      const time = async (send: () => Promise<Response>, into: number[]) => {
        const began = performance.now();
        await (await send()).arrayBuffer();
        into.push(performance.now() - began);
      };
      for (let i = 0; i < 100; i++) {
        // Alternate which goes first, so that neither always meets a warmer connection.
        const managedCall = () => time(() => manager.fetch('kbs/support/top'), managedMs);
        const plainCall = () => time(() => fetch(url), plainMs);
        if (i % 2) await managedCall().then(plainCall);
        else await plainCall().then(managedCall);
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
      return { managed: median(managedMs), plain: median(plainMs) };
    });
    ratios.push(managed / plain);
    plainMs.push(plain);
  }
  record('manager.fetch / fetch, median of 100 sequential', ratios, 'x', '<= 1.05', (m) => m <= 1.05);
  record('plain fetch of the same endpoint, median', plainMs, 'ms', 'info', () => true);
  await context.close();
}

/** Bursts of update() calls, all in one turn or `gapMs` apart: how many Update requests reach the server. */
async function bursts(harness: Harness, size: number, gapMs: number, rounds: number): Promise<void> {
  const counts: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const context = await harness.browser.newContext();
    const page = await open(context, harness, {});
    await page.evaluate(() => window.started);
    const before = harness.server.calls('update').length;
    await page.evaluate(
      async ([count, gap]) => {
        const manager = window.manager as NonNullable<typeof window.manager>;
        const calls: Promise<unknown>[] = [];
        for (let i = 0; i < count; i++) {
          calls.push(manager.update({ visitId: `v-${i}` }));
          if (gap) await new Promise((resolve) => setTimeout(resolve, gap));
        }
        await Promise.all(calls);
      },
      [size, gapMs] as const,
    );
    counts.push(harness.server.calls('update').length - before);
    await context.close();
  }
  const when = gapMs ? `${gapMs} ms apart` : 'in one turn';
  record(`burst of ${size} update() calls ${when}: Updates`, counts, 'requests', '<= 3', (m) => m <= 3);
}

/** 1000 create/ready/destroy cycles: the heap after garbage collection, against before. */
async function leak(harness: Harness): Promise<void> {
  const context = await harness.browser.newContext();
  const page = await open(context, harness);
  const cdp = await context.newCDPSession(page);
  const cycle = (count: number) =>
    page.evaluate(async (n) => {
      for (let i = 0; i < n; i++) {
        const manager = window.gkc.createSessionManager({ baseUrl: '/gks-server/v1' });
        await manager.ready();
        manager.destroy();
      }
    }, count);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  await cycle(100); // warm-up: code, caches and the stored session come into being
  const before = await heap();
  await cycle(1000);
  const growth = ((await heap()) - before) / 1024 / 1024;
  record('1000 create/ready/destroy cycles: heap growth', [growth], 'MB', '<= 1', (m) => m <= 1);
  await context.close();
}

function print(): void {
  const header = ['measure', 'median', 'min', 'max', 'unit', 'target', 'met'];
  const format = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(3));
  const lines = rows.map((row) => [
    row.measure,
    format(row.median),
    format(row.min),
    format(row.max),
    row.unit,
    row.target,
    row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => (line[i] as string).length)),
  );
  const render = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(render(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(render(line));
}

type Harness = Awaited<ReturnType<typeof startBench>>;

/** The test page server and Chromium through playwright-core (the bench uses CDP: Chromium only). */
async function startBench() {
  const [pages, browser] = await Promise.all([startPageServer(), launchChromium()]);
  return {
    ...pages,
    browser,
    async close() {
      await browser.close();
      await pages.close();
    },
  };
}

export async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const harness = await startBench();
  try {
    await warmStart(harness, quick ? 3 : 15);
    await sixTabs(harness, quick ? 1 : 5);
    await fiveManagers(harness, quick ? 2 : 20);
    await fetchOverhead(harness, quick ? 1 : 9);
    for (const size of [40, 100]) {
      await bursts(harness, size, 0, quick ? 1 : 3);
      await bursts(harness, size, 1, quick ? 1 : 3);
    }
    await leak(harness);
  } finally {
    await harness.close();
  }
  console.log(
    `gkc-session bench: Chromium ${harness.browser.version()}, ${cpus().length} x ${cpus()[0]?.model.trim()}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  print();
  const missed = rows.filter((row) => !row.met).length;
  console.log(missed ? `${missed} target(s) not met` : 'every target met');
}
