// @vitest-environment node
// The widget as other people's sites embed it: in a sandboxed frame, framed by another site in several tabs,
// and under a strict Content-Security-Policy. Every test runs in each engine GKC_ENGINES selects, through the
// adapter in ./engines, against the host pages of ./hostPages (one server, two sites: 127.0.0.1 and localhost).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EnginePage, engineLabel, type Profile, selectedEngines } from './engines';
import type { PlainSnapshot, Started } from './hostEntry';
import { type HostHarness, startHostHarness, strictPolicy } from './hostPages';

for (const engineName of selectedEngines()) {
  const webkit = engineName === 'webkit';
  // Headless Chromium gives a frame of another site no storage at all (IndexedDB fails with UnknownError, Web
  // Locks throw SecurityError); Firefox and WebKit give it storage partitioned by the top-level site.
  const partitions = engineName !== 'chromium';
  describe(`in ${engineLabel(engineName)}`, {
    timeout: webkit ? 60_000 : 30_000,
    retry: webkit ? 1 : 0,
  }, () => {
    let harness: HostHarness;
    let profile: Profile;

    beforeAll(async () => {
      harness = await startHostHarness(engineName);
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

    const widgetUrl = (site: string, options: object = {}) =>
      `${site}/?start=${encodeURIComponent(JSON.stringify(options))}`;

    /** A tab of the host site framing `frame`, sandboxed with `sandbox` when given. */
    async function openHost(frame: string, sandbox?: string): Promise<EnginePage> {
      const page = await profile.newPage();
      const query = `frame=${encodeURIComponent(frame)}${sandbox === undefined ? '' : `&sandbox=${sandbox}`}`;
      await page.goto(`${harness.origin}/host?${query}`);
      return page;
    }

    /** What the framed widget's ready() came to, once it has. */
    async function frameStarted(page: EnginePage): Promise<Started> {
      await expect
        .poll(() => page.evaluate(() => window.frame?.started !== undefined), { timeout: 15_000 })
        .toBe(true);
      return page.evaluate(() => window.frame?.started as Started);
    }

    const frameSnapshot = (page: EnginePage) =>
      page.evaluate(() => (window.frame?.snapshot ?? null) as PlainSnapshot | null);

    describe('in a sandboxed frame (allow-scripts: an opaque origin, no storage, no Web Locks)', () => {
      it('resolves ready() with a working session in memory, and rejects with no browser error', async () => {
        const page = await openHost(widgetUrl(harness.origin), 'allow-scripts');
        const started = await frameStarted(page);
        expect(started.error).toBeUndefined();
        expect(started.sessionId).toBeTruthy();
        expect(started.atReady).toMatchObject({
          status: 'ready',
          storage: 'memory',
          storageError: { code: 'storage', coded: true },
        });
        // Said once each: the store's failure, and the Web Locks that refused (the page's own lock serves).
        const trace = await page.evaluate(() => window.frame?.trace ?? []);
        const told = trace.filter((event) => event.capability !== null);
        expect(told.map((event) => [event.type, event.capability]).sort()).toEqual([
          ['storage-failed', 'indexedDB'],
          ['unavailable', 'locks'],
        ]);
        expect(told.find((event) => event.capability === 'locks')?.error?.name).toBe('SecurityError');
        // The session works: a Knowledge request goes out under it, and its changes reach the server.
        expect(await page.evaluate(() => window.callFrame('search'))).toBe(200);
        expect(harness.server.calls('search')[0]?.sessionId).toBe(started.sessionId);
        await page.evaluate(() => window.callFrame('update', { visitId: 'v-sandboxed' }));
        expect(harness.server.sessions.get(started.sessionId ?? '')?.visitId).toBe('v-sandboxed');
        expect(harness.server.calls('create')).toHaveLength(1);
      });
    });

    describe('framed by another site (the widget on localhost, the host page on 127.0.0.1)', () => {
      it(
        partitions
          ? 'shares one session between two tabs of the host site, in storage partitioned by it'
          : 'gives each tab a working session in memory (headless Chromium: no storage for the frame)',
        async () => {
          const frame = widgetUrl(harness.otherSite);
          const first = await openHost(frame);
          const a = await frameStarted(first);
          const second = await openHost(frame);
          const b = await frameStarted(second);
          for (const started of [a, b]) {
            expect(started.error).toBeUndefined();
            expect(started.sessionId).toBeTruthy();
          }
          if (partitions) {
            expect(b.sessionId).toBe(a.sessionId);
            expect(b.atReady).toMatchObject({ storage: 'indexeddb', storageError: null });
            expect(harness.server.calls('create')).toHaveLength(1);
            // The two frames hear each other: an update in one shows in the other.
            await first.evaluate(() => window.callFrame('update', { visitId: 'v-framed' }));
            await expect.poll(async () => (await frameSnapshot(second))?.session?.visitId).toBe('v-framed');
          } else {
            for (const started of [a, b]) {
              expect(started.atReady).toMatchObject({
                status: 'ready',
                storage: 'memory',
                storageError: { code: 'storage', coded: true },
              });
            }
          }
          for (const page of [first, second]) {
            expect(await page.evaluate(() => window.callFrame('search'))).toBe(200);
          }
          // Every request was made under a session the server made.
          for (const search of harness.server.calls('search')) {
            expect(harness.server.sessions.has(search.sessionId ?? '')).toBe(true);
          }
        },
      );

      it('has a session of its own when opened top-level on its site: storage is kept per top-level site', async () => {
        const framing = await openHost(widgetUrl(harness.otherSite));
        const framed = await frameStarted(framing);
        const top = await profile.newPage();
        await top.goto(widgetUrl(harness.otherSite));
        const own = await top.evaluate(async () => (await window.startOutcome) as Started);
        expect(own.sessionId).toBeTruthy();
        expect(own.atReady.storage).toBe('indexeddb');
        expect(own.sessionId).not.toBe(framed.sessionId);
        expect(harness.server.calls('create')).toHaveLength(2);
      });
    });

    describe(`under ${strictPolicy}`, () => {
      it('goes through ready, update, fetch, identify and reset with no policy violation', async () => {
        // WebKit's driver runs a test's scripts through `eval`, which the policy refuses (and counts): the page
        // is reached from a page without the policy, and runs by itself, reporting to the server.
        const page = await profile.newPage();
        await page.goto(harness.origin);
        const url = `${harness.origin}/csp?start=${encodeURIComponent('{"coalesceMs":0}')}&run=csp&report=csp`;
        await page.evaluate((target) => {
          setTimeout(() => location.assign(target));
        }, url);
        await expect.poll(() => harness.report('csp'), { timeout: 20_000 }).toBeTruthy();
        const report = harness.report('csp') as {
          steps: Record<string, unknown>;
          duringRun: unknown[];
          evalRefused: boolean;
          trustedTypesRefused: boolean | null;
          afterProbes: number;
        };
        expect(report.steps).toEqual({
          ready: expect.any(String),
          update: 'v-csp',
          fetch: 200,
          identify: 'c-csp',
          reset: expect.any(String),
        });
        expect(report.steps.reset).not.toBe(report.steps.ready);
        expect(report.duringRun).toEqual([]);
        // The policy is in force, and the counter counts: `new Function` is refused and reported.
        expect(report.evalRefused).toBe(true);
        expect(report.afterProbes).toBeGreaterThanOrEqual(1);
        if (report.trustedTypesRefused !== null) expect(report.trustedTypesRefused).toBe(true);
      });
    });
  });
}
