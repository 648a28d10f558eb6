// Where a warm start's time goes, library and floor side by side: loads of their own, apart from the timed
// ones, since the probe (IndexedDB's open and get wrapped before the page's scripts run) costs a little.
import { type BenchPages, settle, startOf } from './benchPages';
import { type BenchTable, count, format, median } from './benchTable';

interface Phases {
  /** From the beginning of the work until IndexedDB's open is called. */
  setUp: number;
  /** From the open's call until its success event. */
  open: number;
  /** From the open's success until the first get's success. */
  read: number;
  /** From the first get's success until ready() resolved (the floor: the record validated). */
  after: number;
}

const phaseNames: Record<keyof Phases, string> = {
  setUp: 'set-up until the IndexedDB open is called',
  open: 'the open, until its success event',
  read: 'the first get, until its success event',
  after: 'from the record read to ready() resolved',
};

/** Runs in the page before its scripts: stamps the first open's call and success and the first get's success. */
function probe(): void {
  const stamps: Record<string, number> = {};
  (window as unknown as { benchStamps: Record<string, number> }).benchStamps = stamps;
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (this: IDBFactory, ...args: Parameters<IDBFactory['open']>) {
    stamps.open ??= performance.now();
    const request = open.apply(this, args);
    request.addEventListener('success', () => {
      stamps.opened ??= performance.now();
    });
    return request;
  };
  const get = IDBObjectStore.prototype.get;
  IDBObjectStore.prototype.get = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['get']>) {
    const request = get.apply(this, args);
    request.addEventListener('success', () => {
      stamps.got ??= performance.now();
    });
    return request;
  };
}

export async function measureWarmStartPhases(
  bench: BenchPages,
  table: BenchTable,
  loads: number,
): Promise<void> {
  const { server } = bench;
  const context = await bench.browser.newContext();
  await context.addInitScript(probe);
  const page = await context.newPage();
  // `requests`: what the page sends after its start (the library's background Retrieve), waited for.
  const load = async (url: string, requests: number): Promise<Phases> => {
    const from = server.log.length;
    await page.goto(url);
    const { ms, readyAt } = await startOf(page);
    await settle(server, from, { atLeast: requests });
    const stamps = await page.evaluate(
      () => (window as unknown as { benchStamps: Record<string, number> }).benchStamps,
    );
    const { open = Number.NaN, opened = Number.NaN, got = Number.NaN } = stamps;
    return { setUp: open - (readyAt - ms), open: opened - open, read: got - opened, after: readyAt - got };
  };
  await load(bench.libraryUrl(1, true), 1); // a cold start stores the session the others restore
  const library: Phases[] = [];
  const floor: Phases[] = [];
  for (let round = 0; round < loads + 1; round++) {
    const sides = [
      async () => library.push(await load(bench.libraryUrl(1, true), 1)),
      async () => floor.push(await load(bench.floorUrl('warm', true), 0)),
    ];
    for (const side of round % 2 ? sides.reverse() : sides) await side();
    if (round === 0) library.length = floor.length = 0; // a warm-up round
  }
  await context.close();
  const medians = (side: Phases[]) =>
    Object.fromEntries(
      (Object.keys(phaseNames) as (keyof Phases)[]).map((phase) => [
        phase,
        median(side.map((one) => one[phase])),
      ]),
    ) as unknown as Phases;
  const mine = medians(library);
  const theirs = medians(floor);
  for (const phase of Object.keys(phaseNames) as (keyof Phases)[]) {
    const libraryMs = mine[phase];
    const floorMs = theirs[phase];
    table.add({
      measure: `warm start, ${phaseNames[phase]}, median`,
      value: libraryMs,
      unit: 'ms',
      timing: true,
      how: `floor ${format(floorMs, 'ms')}; ${count(loads, 'probed load')} each`,
    });
  }
  table.note(
    `Where a warm start's time goes (medians of ${loads} probed loads, the floor's in brackets): ` +
      `${format(mine.setUp, 'ms')} (${format(theirs.setUp, 'ms')}) pass before IndexedDB's open is called, ` +
      `the open takes ${format(mine.open, 'ms')} (${format(theirs.open, 'ms')}), the read ` +
      `${format(mine.read, 'ms')} (${format(theirs.read, 'ms')}), and ${format(mine.after, 'ms')} ` +
      `(${format(theirs.after, 'ms')}) pass from the record read to \`ready()\`.`,
  );
}
