// Measures of a manager in use: manager.fetch against a plain fetch, bursts of update() calls, and the heap
// over many managers' lives.
import type { Page } from 'playwright-core';
import { type BenchPages, settle } from './benchPages';
import { type BenchTable, count, format, median, spread } from './benchTable';

/** A fresh profile with the library's page loaded and one manager started and ready (a cold start). */
async function readyPage(bench: BenchPages): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await bench.browser.newContext();
  const page = await context.newPage();
  await page.goto(bench.libraryUrl(0));
  const from = bench.server.log.length;
  await page.evaluate(async () => {
    const bench = window.benchLibrary;
    bench.manager = bench.gkc.createSessionManager({ baseUrl: '/gks-server/v1' });
    await bench.manager.ready();
  });
  await settle(bench.server, from); // the Create, and nothing after it
  return { page, close: () => context.close() };
}

/**
 * manager.fetch against a plain fetch of the URL it sends (the same endpoint, the session included), in pairs
 * whose order alternates so that neither always meets the warmer connection, after a warm-up round. Each round
 * gives the ratio of its medians; the figure is the median of the rounds' ratios, so that a round disturbed
 * by the machine's load moves it little.
 */
export async function measureFetch(
  bench: BenchPages,
  table: BenchTable,
  { rounds, pairs }: { rounds: number; pairs: number },
): Promise<void> {
  const { page, close } = await readyPage(bench);
  const round = (size: number) =>
    page.evaluate(async (n) => {
      const manager = window.benchLibrary.manager as NonNullable<typeof window.benchLibrary.manager>;
      const { sessionId } = await manager.ready();
      const url = `/gks-server/v1/kbs/support/top?sessionId=${encodeURIComponent(sessionId)}`;
      const managed: number[] = [];
      const plain: number[] = [];
      const time = async (send: () => Promise<Response>, into: number[]) => {
        const began = performance.now();
        await (await send()).arrayBuffer();
        into.push(performance.now() - began);
      };
      for (let i = 0; i < n; i++) {
        const managedCall = () => time(() => manager.fetch('kbs/support/top'), managed);
        const plainCall = () => time(() => fetch(url), plain);
        if (i % 2) await managedCall().then(plainCall);
        else await plainCall().then(managedCall);
      }
      return { managed, plain };
    }, size);
  await round(Math.max(20, pairs / 2));
  const ratios: number[] = [];
  const plainMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { managed, plain } = await round(pairs);
    ratios.push(median(managed) / median(plain));
    plainMs.push(median(plain));
  }
  await close();
  const ratio = median(ratios);
  table.add({
    measure: 'manager.fetch / fetch, median of per-round ratios of medians',
    value: ratio,
    unit: 'x',
    target: { op: '<=', limit: 1.05 },
    timing: true,
    how: `${spread(ratios, 'x', 'round')}, ${pairs} interleaved pairs each`,
  });
  table.add({
    measure: 'plain fetch of the same endpoint, median',
    value: median(plainMs),
    unit: 'ms',
    timing: true,
    how: spread(plainMs, 'ms', 'round'),
  });
  const extra = (ratio - 1) * median(plainMs);
  table.note(
    `\`manager.fetch\` took ${format(ratio, 'x')} times a plain \`fetch\` of the same endpoint ` +
      `(${format(median(plainMs), 'ms')} on loopback)` +
      (extra > 0
        ? `, about ${format(extra, 'ms')} more: the session lookup, the URL and header work, the timeout.`
        : ': no cost that this run could tell from the noise.'),
  );
}

/**
 * manager.fetch with the recommended session lifetime against manager.fetch without one, in one page on one
 * session (two managers of the server), in pairs whose order alternates, as `measureFetch` does: what the
 * check and the recording of each use cost a request.
 */
export async function measureFetchLifetime(
  bench: BenchPages,
  table: BenchTable,
  { rounds, pairs }: { rounds: number; pairs: number },
): Promise<void> {
  const { page, close } = await readyPage(bench);
  await page.evaluate(async () => {
    const bench = window.benchLibrary;
    bench.lived = bench.gkc.createSessionManager({ baseUrl: '/gks-server/v1', ...bench.lifetime });
    await bench.lived.ready();
  });
  const round = (size: number) =>
    page.evaluate(async (n) => {
      const { manager, lived } = window.benchLibrary as Required<typeof window.benchLibrary>;
      const without: number[] = [];
      const withLifetime: number[] = [];
      const time = async (from: NonNullable<typeof manager>, into: number[]) => {
        const began = performance.now();
        await (await from.fetch('kbs/support/top')).arrayBuffer();
        into.push(performance.now() - began);
      };
      for (let i = 0; i < n; i++) {
        const plainCall = () => time(manager as NonNullable<typeof manager>, without);
        const livedCall = () => time(lived as NonNullable<typeof lived>, withLifetime);
        if (i % 2) await plainCall().then(livedCall);
        else await livedCall().then(plainCall);
      }
      return { without, withLifetime };
    }, size);
  await round(Math.max(20, pairs / 2));
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { without, withLifetime } = await round(pairs);
    ratios.push(median(withLifetime) / median(without));
  }
  await close();
  const ratio = median(ratios);
  table.add({
    measure: 'manager.fetch with a lifetime / without, median of per-round ratios of medians',
    value: ratio,
    unit: 'x',
    target: { op: '<=', limit: 1.05 },
    timing: true,
    how: `${spread(ratios, 'x', 'round')}, ${pairs} interleaved pairs each`,
  });
  table.note(
    `With a session lifetime, \`manager.fetch\` took ${format(ratio, 'x')} times its time without one ` +
      '(the check of each use, and its recording once every 3 minutes).',
  );
}

/**
 * Bursts of 40 and 100 update() calls, all in one turn or 1 ms apart: how many Update requests reach the
 * server. Each round is a fresh profile whose manager takes the four bursts one after the other.
 */
export async function measureBursts(bench: BenchPages, table: BenchTable, rounds: number): Promise<void> {
  const kinds = [
    { size: 40, gapMs: 0 },
    { size: 40, gapMs: 1 },
    { size: 100, gapMs: 0 },
    { size: 100, gapMs: 1 },
  ];
  const counts = kinds.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    const { page, close } = await readyPage(bench);
    for (const [i, { size, gapMs }] of kinds.entries()) {
      const from = bench.server.log.length;
      await page.evaluate(
        async ([size, gap, burst]) => {
          const manager = window.benchLibrary.manager as NonNullable<typeof window.benchLibrary.manager>;
          const calls: Promise<unknown>[] = [];
          for (let n = 0; n < size; n++) {
            calls.push(manager.update({ visitId: `v-${burst}-${n}` }));
            if (gap) await new Promise((resolve) => setTimeout(resolve, gap));
          }
          await Promise.all(calls);
        },
        [size, gapMs, `${round}-${i}`] as const,
      );
      counts[i]?.push(bench.server.log.slice(from).filter((entry) => entry.call === 'update').length);
    }
    await close();
  }
  for (const [i, { size, gapMs }] of kinds.entries()) {
    const updates = counts[i] ?? [];
    table.add({
      measure: `burst of ${size} update() calls ${gapMs ? `${gapMs} ms apart` : 'in one turn'}: Updates, most`,
      value: Math.max(...updates),
      unit: 'requests',
      target: { op: '<=', limit: 3 },
      timing: false,
      how: spread(updates, 'requests', 'round'),
    });
  }
  table.note(
    `A burst of 40 or 100 \`update()\` calls, in one turn or 1 ms apart, sent at most ` +
      `${count(Math.max(...counts.flat()), 'Update')}: the delivery waits for the changes to pause (\`coalesceMs\`).`,
  );
}

/** 1000 create/ready/destroy cycles: the heap after garbage collection, against before. */
export async function measureHeap(bench: BenchPages, table: BenchTable): Promise<void> {
  const context = await bench.browser.newContext();
  const page = await context.newPage();
  await page.goto(bench.libraryUrl(0));
  const cdp = await context.newCDPSession(page);
  const cycle = (cycles: number) =>
    page.evaluate(async (n) => {
      for (let i = 0; i < n; i++) {
        const manager = window.benchLibrary.gkc.createSessionManager({ baseUrl: '/gks-server/v1' });
        await manager.ready();
        manager.destroy();
      }
    }, cycles);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  await cycle(100); // warm-up: code, caches and the stored session come into being
  const before = await heap();
  await cycle(1000);
  const growth = ((await heap()) - before) / 1024 / 1024;
  await context.close();
  table.add({
    measure: '1000 create/ready/destroy cycles: heap growth',
    value: growth,
    unit: 'MB',
    target: { op: '<=', limit: 1 },
    timing: false,
    how: 'after garbage collection, against before',
  });
  table.note(
    `A thousand managers created, made ready and destroyed grew the heap by ${format(growth, 'MB')}.`,
  );
}
