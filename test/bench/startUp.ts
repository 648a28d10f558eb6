// Start-up measures: a warm start (one manager, five managers) against the floor, and six cold tabs against
// the no-library control. Each sample is a fresh page load whose first IndexedDB access is the one timed.
import type { Page } from 'playwright-core';
import { type BenchPages, requestsBy, settle, startOf } from './benchPages';
import { type BenchTable, count, format, median, spread } from './benchTable';

interface LibraryLoad {
  ms: number;
  /** Requests the page sent before ready() resolved. */
  before: number;
  /** Requests the server had from the page load, its background work included. */
  requests: number;
  retrieves: number;
}

/**
 * Warm starts (the session is stored): one manager's ready(), five managers' in one page, and the floor. Each
 * sample is a navigation of one tab to a new document, the sides in turn and the order rotated every round
 * (floor, one, five; one, five, floor; ...), so that drift in the machine's load reaches the three alike and
 * each follows each. A page is left only once its background requests are over: none overlaps the next load.
 *
 * The timed work begins when the bench says so, once the page has loaded (`later`): begun while the module
 * runs, it would share its time with the rest of the page load (parsing, the driver's own bookkeeping of the
 * new document), and the floor's small script begins earlier in that load than the library's, so that the two
 * would not meet the same page.
 */
export async function measureWarmStart(
  bench: BenchPages,
  table: BenchTable,
  { loads, warmUp }: { loads: number; warmUp: number },
): Promise<void> {
  const { server } = bench;
  const context = await bench.browser.newContext();
  const page = await context.newPage();
  const floor = async () => {
    const from = server.log.length;
    await page.goto(bench.floorUrl('warm', true));
    const { ms } = await startOf(page);
    if (server.log.length !== from) throw new Error('the floor page sent a request');
    return ms;
  };
  const library = async (managers: number, lifetime = false): Promise<LibraryLoad> => {
    const from = server.log.length;
    await page.goto(bench.libraryUrl(managers, true, lifetime));
    const start = await startOf(page);
    const requests = await settle(server, from);
    const retrieves = server.log.slice(from).filter((entry) => entry.call === 'retrieve').length;
    return { ms: start.ms, before: await requestsBy(page, start.readyAt), requests, retrieves };
  };
  await library(1); // a cold start stores the session the others restore
  const floorMs: number[] = [];
  const one: LibraryLoad[] = [];
  const five: LibraryLoad[] = [];
  const lived: LibraryLoad[] = [];
  const sides = [
    async () => floorMs.push(await floor()),
    async () => one.push(await library(1)),
    async () => five.push(await library(5)),
    async () => lived.push(await library(1, true)),
  ];
  // The warm-up rounds are left out: the first loads meet a cold disk cache and code not yet optimised.
  for (let round = 0; round < warmUp + loads; round++) {
    for (let i = 0; i < sides.length; i++) await sides[(round + i) % sides.length]?.();
    if (round < warmUp) for (const samples of [floorMs, one, five, lived]) samples.length = 0;
  }
  await context.close();

  const oneMs = one.map((load) => load.ms);
  const fiveMs = five.map((load) => load.ms);
  const livedMs = lived.map((load) => load.ms);
  const warm = median(oneMs) / median(floorMs);
  const together = median(fiveMs) / median(oneMs);
  const withLifetime = median(livedMs) / median(oneMs);
  const before = [...one, ...five, ...lived].map((load) => load.before);
  const during = [...one, ...lived].map((load) => load.requests);
  const retrieves = five.map((load) => load.retrieves);
  const each = `${count(loads, 'page load')} each, interleaved`;
  table.add({
    measure: 'warm start: ready() / floor, ratio of medians',
    value: warm,
    unit: 'x',
    // Issue 18's budget for the core issue 9 asked for; the goal stays 1.3 (docs/performance.md).
    target: { op: '<=', limit: 1.5 },
    timing: true,
    how: each,
  });
  table.add({
    measure: 'warm start: ready(), median',
    value: median(oneMs),
    unit: 'ms',
    timing: true,
    how: spread(oneMs, 'ms', 'load'),
  });
  table.add({
    measure: 'warm start: floor (open + get + zod/mini check), median',
    value: median(floorMs),
    unit: 'ms',
    timing: true,
    how: spread(floorMs, 'ms', 'load'),
  });
  table.add({
    measure: 'warm start: requests before ready() resolves, most',
    value: Math.max(...before),
    unit: 'requests',
    target: { op: '=', limit: 0 },
    timing: false,
    how: spread(before, 'requests', 'load'),
  });
  table.add({
    measure: 'warm start: requests during the page load, most',
    value: Math.max(...during),
    unit: 'requests',
    target: { op: '<=', limit: 1 },
    timing: false,
    how: spread(during, 'requests', 'load'),
  });
  table.add({
    measure: 'warm start with a lifetime: ready() / ready() without, ratio of medians',
    value: withLifetime,
    unit: 'x',
    target: { op: '<=', limit: 1.1 },
    timing: true,
    how: `${each}; idleTimeoutMs 30 min, maxAgeMs 24 h`,
  });
  table.add({
    measure: 'warm start with a lifetime: ready(), median',
    value: median(livedMs),
    unit: 'ms',
    timing: true,
    how: spread(livedMs, 'ms', 'load'),
  });
  table.add({
    measure: 'five managers in one page: all ready() / one ready(), ratio of medians',
    value: together,
    unit: 'x',
    target: { op: '<=', limit: 1.5 },
    timing: true,
    how: each,
  });
  table.add({
    measure: 'five managers in one page: all ready(), median',
    value: median(fiveMs),
    unit: 'ms',
    timing: true,
    how: spread(fiveMs, 'ms', 'load'),
  });
  table.add({
    measure: 'five managers in one page: Retrieves, most',
    value: Math.max(...retrieves),
    unit: 'requests',
    target: { op: '=', limit: 1 },
    timing: false,
    how: spread(retrieves, 'requests', 'load'),
  });
  const early = Math.max(...before);
  table.note(
    `A warm \`ready()\` took ${format(median(oneMs), 'ms')} at the median of ${count(loads, 'page load')}, ` +
      `${format(warm, 'x')} times the floor's ${format(median(floorMs), 'ms')}. ` +
      `${early === 0 ? 'No request' : `Up to ${count(early, 'request')}`} left before \`ready()\` resolved, ` +
      `and a warm page load sent at most ${count(Math.max(...during), 'request')}` +
      (Math.max(...during) > 0 ? ' (the background Retrieve that checks the session).' : '.'),
  );
  table.note(
    `With a session lifetime (30 minutes idle, 24 hours in all) a warm \`ready()\` took ` +
      `${format(median(livedMs), 'ms')}, ${format(withLifetime, 'x')} times the one without.`,
  );
  table.note(
    `Five managers of one server in one page were all ready in ${format(median(fiveMs), 'ms')}, ` +
      `${format(together, 'x')} times one manager's time, with at most ` +
      `${count(Math.max(...retrieves), 'Retrieve')} per page load.`,
  );
}

/**
 * Six tabs of a fresh profile starting together, against one tab alone; and, as the control measured in the
 * same rounds, the same cold-start work done by hand with no library and no lock (so six Creates), which
 * shows what six renderers starting at once cost this machine before the library does anything. The order
 * of the two alternates from round to round.
 */
export async function measureColdTabs(bench: BenchPages, table: BenchTable, rounds: number): Promise<void> {
  const { server } = bench;
  const slowest = async (tabs: number, url: string) => {
    const context = await bench.browser.newContext();
    try {
      const pages: Page[] = await Promise.all(Array.from({ length: tabs }, () => context.newPage()));
      await Promise.all(pages.map((page) => page.goto(url)));
      const starts = await Promise.all(pages.map((page) => startOf(page)));
      return Math.max(...starts.map((start) => start.ms));
    } finally {
      await context.close();
    }
  };
  const one: number[] = [];
  const six: number[] = [];
  const controlOne: number[] = [];
  const controlSix: number[] = [];
  const creates: number[] = [];
  const library = async () => {
    one.push(await slowest(1, bench.libraryUrl(1)));
    const from = server.log.length;
    six.push(await slowest(6, bench.libraryUrl(1)));
    creates.push(server.log.slice(from).filter((entry) => entry.call === 'create').length);
  };
  const control = async () => {
    controlOne.push(await slowest(1, bench.floorUrl('cold')));
    controlSix.push(await slowest(6, bench.floorUrl('cold')));
  };
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 ? [control, library] : [library, control]) await side();
  }
  const ratio = median(six) / median(one);
  const controlRatio = median(controlSix) / median(controlOne);
  const created = Math.max(...creates);
  table.add({
    measure: 'six cold tabs: Creates, most',
    value: created,
    unit: 'requests',
    target: { op: '=', limit: 1 },
    timing: false,
    how: spread(creates, 'requests', 'round'),
  });
  table.add({
    measure: 'six cold tabs: the ratio below / the control',
    value: ratio / controlRatio,
    unit: 'x',
    // Issue 18's budget: the creating tab reads again under the lock and stores before ready() (one Create).
    target: { op: '<=', limit: 2.0 },
    timing: true,
    how: `${count(rounds, 'round')}, the control in the same rounds`,
  });
  table.add({
    measure: "six cold tabs: slowest tab's ready() / one tab's, ratio of medians",
    value: ratio,
    unit: 'x',
    timing: true,
    how: `${format(median(six), 'ms')} / ${format(median(one), 'ms')}`,
  });
  table.add({
    measure: 'control, no library: slowest of six tabs / one, ratio of medians',
    value: controlRatio,
    unit: 'x',
    timing: true,
    how: `${format(median(controlSix), 'ms')} / ${format(median(controlOne), 'ms')}`,
  });
  // The ratios above judge how the library's start scales from one tab to six; this one compares the slowest
  // of six with the control's directly, a cold start's own cost included.
  table.add({
    measure: 'six cold tabs: slowest library tab / slowest control tab, ratio of medians',
    value: median(six) / median(controlSix),
    unit: 'x',
    timing: true,
    how: `one tab alone: ${format(median(one) / median(controlOne), 'x')} the control's`,
  });
  table.note(
    `Six tabs starting together created ${created === 1 ? 'one session' : `up to ${created} sessions`}. ` +
      `Their slowest \`ready()\` took ${format(ratio, 'x')} times one tab's; six tabs doing the same cold-start ` +
      `work by hand without the library (and so with six Creates) took ${format(controlRatio, 'x')} times one ` +
      `tab's, which puts the library at ${format(ratio / controlRatio, 'x')} times the control. Set directly ` +
      `against the control's, the library's slowest tab of six took ${format(median(six) / median(controlSix), 'x')} ` +
      `times as long, and one tab alone ${format(median(one) / median(controlOne), 'x')}.`,
  );
}
