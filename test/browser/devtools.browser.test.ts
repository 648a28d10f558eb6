// @vitest-environment node
// gkc-session/devtools in real browsers: the panel in several tabs of one profile (real BroadcastChannel, Web
// Locks and IndexedDB), against the stand-in server, on a page served under a strict Content-Security-Policy
// (no inline script, no eval, Trusted Types required for script sinks, no inline style). Every test runs in
// each engine GKC_ENGINES selects, through the adapter in ./engines.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DevtoolsTrace, TraceEventRow, TraceRequestRow } from '../../src/devtools/index';
import { type EnginePage, engineLabel, type Profile, selectedEngines } from './engines';
import { type Harness, startHarness } from './harness';

/** The embedding issue's strict policy: scripts from the page's origin only, no eval, Trusted Types. */
const strictPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
];
/**
 * WebKit's WebDriver (classic) runs each of the tests' scripts by evaluating a string under the page's own
 * policy, which a policy without 'unsafe-eval' or with Trusted Types refuses ("Refused to evaluate a string as
 * JavaScript"): there the page allows eval and leaves Trusted Types out. Chromium and Firefox, whose drivers
 * evaluate outside the page's policy, hold the panel to the strict one.
 */
const policyFor = (engine: string) =>
  (engine === 'webkit'
    ? strictPolicy
        .filter((directive) => !directive.startsWith('require-trusted-types-for'))
        .map((directive) =>
          directive === "script-src 'self'" ? "script-src 'self' 'unsafe-eval'" : directive,
        )
    : strictPolicy
  ).join('; ');

const columns = (table: { headers: string[]; rows: string[][] }) =>
  table.rows.map((cells) => Object.fromEntries(table.headers.map((header, i) => [header, cells[i] ?? ''])));

const testResults = fileURLToPath(new URL('../../test-results/', import.meta.url));

for (const engineName of selectedEngines()) {
  const webkit = engineName === 'webkit';
  describe(`gkc-session/devtools in ${engineLabel(engineName)}`, {
    timeout: webkit ? 60_000 : 30_000,
    retry: webkit ? 1 : 0,
  }, () => {
    let harness: Harness;
    let profile: Profile;

    beforeAll(async () => {
      harness = await startHarness(engineName, {
        entry: './devtoolsEntry.ts',
        csp: policyFor(engineName),
        scripts: { '/axe.js': axe.source },
      });
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

    /** A tab of the profile; `options` starts a manager at load (through `withDevtools`), undefined none. */
    async function open(options?: object): Promise<EnginePage> {
      const tab = await profile.newPage();
      const query = options === undefined ? '' : `?start=${encodeURIComponent(JSON.stringify(options))}`;
      await tab.goto(`${harness.origin}/${query}`);
      return tab;
    }

    const started = (page: EnginePage) =>
      page.evaluate(async () => {
        const result = await window.started;
        if (!result?.sessionId) throw new Error(`the page started no session: ${result?.error}`);
        return result.sessionId;
      });

    /** Mounts the panel (for the page's manager, or every manager when `all`), open; resolves with its label. */
    async function mount(page: EnginePage, all = false): Promise<string> {
      await page.evaluate((every) => {
        window.unmount = window.devtools.mountDevtools(every ? undefined : window.manager, { open: true });
      }, all);
      let label = '';
      await expect
        .poll(async () => {
          label = await page.evaluate(
            () => window.panelRoot()?.querySelector('.tab-label')?.textContent ?? '',
          );
          return label;
        })
        .toMatch(/^tab \d$/);
      return label;
    }

    const view = (page: EnginePage, name: string, which = 0) =>
      page.evaluate(({ name, which }) => window.panelView(name, which), { name, which });

    /** "Copy trace", with the clipboard standing in: what was written to it. */
    const copiedTrace = (page: EnginePage) =>
      page.evaluate(async () => {
        let copied = '';
        Object.defineProperty(navigator, 'clipboard', {
          configurable: true,
          value: {
            writeText: async (text: string) => {
              copied = text;
            },
          },
        });
        const copy = [...(window.panelRoot()?.querySelectorAll('button') ?? [])].find(
          (button) => button.textContent === 'Copy trace',
        );
        copy?.click();
        for (let i = 0; i < 50 && copied === ''; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        return copied;
      });

    it("shows one tab's update() in the other tab's timeline, tagged with its tab, and who owns the change", async () => {
      const retry = { attempts: 50, minDelayMs: 100, maxDelayMs: 200 };
      const one = await open({ retry });
      await started(one);
      const two = await open({ retry });
      await started(two);
      expect(await mount(one)).toBe('tab 1');
      expect(await mount(two)).toBe('tab 2');

      // The server is unreachable for a while: the change stays pending, owned by tab 2's manager. The change
      // is made in the tab opened last: Firefox hides the others, and a hidden tab retries only once shown.
      harness.server.faults.down = true;
      await two.evaluate(() => void window.manager?.update({ visitId: 'v-from-tab-2' }).catch(() => {}));

      await expect
        .poll(async () => columns(await view(one, 'Timeline')))
        .toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Tab: 'tab 2', Event: 'change', 'Other tab': '', Pending: '1' }),
            expect.objectContaining({ Tab: 'tab 1', Event: 'record', 'Other tab': 'yes', Pending: '1' }),
          ]),
        );
      await expect
        .poll(async () => (await view(one, 'Snapshot')).rows)
        .toEqual([['visitId', 'v-from-tab-2', 'tab 2']]);
      await expect
        .poll(async () => (await view(two, 'Snapshot')).rows)
        .toEqual([['visitId', 'v-from-tab-2', 'tab 2 (this tab)']]);
      // Tab 2's failed Updates are rows of tab 1's request view too (once the first attempt has failed).
      await expect
        .poll(async () => columns(await view(one, 'Requests')))
        .toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Tab: 'tab 2', Call: 'update', Status: 'TypeError' }),
          ]),
        );

      harness.server.faults.down = false;
      await expect
        .poll(async () => columns(await view(one, 'Timeline')))
        .toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Tab: 'tab 2', Event: 'acknowledged', Pending: '0' }),
          ]),
        );
      await expect
        .poll(async () => (await view(one, 'Snapshot')).text)
        .toContain('None: the server has every value.');
      expect(await two.evaluate(() => window.violations)).toEqual([]);
    });

    it('lists the requests the stand-in received, with the session each carried', async () => {
      const page = await open();
      // Mounted for every manager before there is one: the manager made next is shown, from its first call.
      await mount(page, true);
      const search = () =>
        page.evaluate(async () => {
          const response = await window.manager?.fetch('kbs/support/search?lang=en', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: 'invoice' }),
          });
          return response?.status;
        });
      await page.evaluate(() => window.start());
      const first = await started(page);
      expect(await search()).toBe(200);
      await page.evaluate(() => window.manager?.update({ visitId: 'v-1' }));
      harness.server.forgetSessions(); // the next search meets a lost session: 404, Create, the search again
      expect(await search()).toBe(200);
      expect(await page.evaluate(() => window.manager?.getSnapshot().session?.sessionId)).not.toBe(first);

      const received = harness.server.log.map(({ method, path, status, sessionId }) => ({
        method,
        path,
        status,
        sessionId,
      }));
      expect(received.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual([
        'PUT /sessions/new 200',
        'POST /kbs/support/search 200',
        `POST /sessions/${first} 200`,
        'POST /kbs/support/search 404',
        'PUT /sessions/new 200',
        'POST /kbs/support/search 200',
      ]);

      let trace: DevtoolsTrace | undefined;
      await expect
        .poll(async () => {
          trace = JSON.parse(await copiedTrace(page)) as DevtoolsTrace;
          return trace.rows.filter((row) => row.kind === 'request').length;
        })
        .toBe(received.length);
      const requests = (trace as DevtoolsTrace).rows.filter(
        (row): row is TraceRequestRow => row.kind === 'request',
      );
      const sessions = [...harness.server.sessions.keys()];
      expect(
        requests.map(({ method, path, status, sessionId }) => ({
          method,
          path: path.split('?')[0],
          status,
          sessionId,
        })),
      ).toEqual(
        // The stand-in logs no session for a Create; devtools shows the one it answered.
        received.map((request, i) =>
          request.path === '/sessions/new'
            ? { ...request, sessionId: i === 0 ? first : sessions.at(-1) }
            : request,
        ),
      );
      expect(requests.map((row) => row.call)).toEqual([
        'create',
        'knowledge',
        'update',
        'knowledge',
        'create',
        'knowledge',
      ]);
      expect(requests.every((row) => row.tab === 'tab 1' && row.manager === 1 && row.durationMs >= 0)).toBe(
        true,
      );

      // The view shows the same rows, newest first.
      const shown = columns(await view(page, 'Requests'));
      expect(shown.map((row) => `${row.Method} ${row.Path} ${row.Status} ${row.Session}`)).toEqual(
        requests.map((row) => `${row.method} ${row.path} ${row.status} ${row.sessionId}`).reverse(),
      );
      expect(await page.evaluate(() => window.violations)).toEqual([]);
    });

    it('relays nothing, opens no channel, takes no lock and adds no node while no panel is mounted', async () => {
      const listener = await open();
      await listener.evaluate(() => {
        const heard: unknown[] = [];
        (window as unknown as { heard: unknown[] }).heard = heard;
        new BroadcastChannel('gkc-session-devtools').onmessage = (event) => heard.push(event.data);
      });
      const tabs = [await open({}), await open({})];
      for (const tab of tabs) await started(tab);
      await tabs[0]?.evaluate(() => window.manager?.update({ visitId: 'v-unmounted' }));
      await tabs[1]?.evaluate(() =>
        window.manager?.fetch('kbs/support/top').then((response) => response.status),
      );
      await expect.poll(() => harness.server.calls('top').length).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));

      for (const tab of tabs) {
        const seen = await tab.evaluate(async () => ({
          channels: window.channels.map((channel) => channel.name),
          locks: ((await navigator.locks.query()).held ?? []).map((lock) => lock.name),
          host: document.querySelectorAll('[data-gkc-session-devtools]').length,
        }));
        expect(seen.channels.every((name) => name.startsWith('gkc-session:'))).toBe(true);
        expect(seen.locks.some((name) => name?.startsWith('gkc-session-devtools'))).toBe(false);
        expect(seen.host).toBe(0);
      }
      expect(await listener.evaluate(() => (window as unknown as { heard: unknown[] }).heard)).toEqual([]);

      // The same listener hears a panel as soon as one is mounted: the silence above is not a deaf listener.
      await mount(tabs[0] as EnginePage);
      await expect
        .poll(() => listener.evaluate(() => (window as unknown as { heard: unknown[] }).heard.length))
        .toBeGreaterThan(0);
    });

    it('removes every node, listener, channel and lock on unmount, and records nothing after it', async () => {
      const page = await open({});
      await started(page);
      const listener = await open();
      await listener.evaluate(() => {
        const heard: unknown[] = [];
        (window as unknown as { heard: unknown[] }).heard = heard;
        new BroadcastChannel('gkc-session-devtools').onmessage = (event) => heard.push(event.data);
      });
      const before = await page.evaluate(() => document.getElementsByTagName('*').length);
      await mount(page);
      for (const name of ['Timeline', 'Requests', 'Tabs', 'Snapshot']) await view(page, name);
      await page.evaluate(() => window.manager?.update({ visitId: 'v-mounted' }));
      const heardMounted = () =>
        listener.evaluate(() => (window as unknown as { heard: unknown[] }).heard.length);
      await expect.poll(heardMounted).toBeGreaterThan(1);

      const after = await page.evaluate(async () => {
        window.unmount?.();
        return {
          elements: document.getElementsByTagName('*').length,
          hosts: document.querySelectorAll('[data-gkc-session-devtools]').length,
          devtoolsChannels: window.channels.filter((channel) => channel.name === 'gkc-session-devtools'),
        };
      });
      expect(after.elements).toBe(before);
      expect(after.hosts).toBe(0);
      expect(after.devtoolsChannels.map((channel) => channel.event)).toEqual(['open', 'close']);
      // A released lock is gone from the lock manager a moment later.
      await expect
        .poll(() =>
          page.evaluate(async () =>
            ((await navigator.locks.query()).held ?? []).some((lock) =>
              lock.name?.startsWith('gkc-session-devtools'),
            ),
          ),
        )
        .toBe(false);
      // Its last word was goodbye; then silence, whatever the manager does.
      await expect
        .poll(() =>
          listener.evaluate(() => (window as unknown as { heard: { type: string }[] }).heard.at(-1)?.type),
        )
        .toBe('bye');
      const heard = await heardMounted();
      await page.evaluate(() => window.manager?.update({ visitId: 'v-unmounted' }));
      await page.evaluate(() => window.manager?.fetch('kbs/support/top').then((response) => response.status));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await heardMounted()).toBe(heard);

      // Mounted again, it starts from nothing: what the manager did meanwhile was not recorded.
      await mount(page);
      const rows = columns(await view(page, 'Requests'));
      expect(rows).toEqual([]);
      expect(await page.evaluate(() => window.violations)).toEqual([]);
    });

    it('is operable from the keyboard: the toggle, the views (arrow keys, Home, End) and Escape', async () => {
      const page = await open({});
      await started(page);
      await page.evaluate(() => {
        window.unmount = window.devtools.mountDevtools(window.manager);
      });
      const state = () =>
        page.evaluate(() => {
          const root = window.panelRoot();
          const toggle = root?.querySelector('.toggle');
          const dialog = root?.querySelector('[role="dialog"]');
          const focused = root?.activeElement;
          return {
            expanded: toggle?.getAttribute('aria-expanded'),
            hidden: (dialog as HTMLElement | null | undefined)?.hidden,
            label: dialog?.getAttribute('aria-labelledby') && root?.getElementById('title')?.textContent,
            focused: focused === toggle ? 'toggle' : (focused?.textContent ?? null),
            selected: root?.querySelector('[role="tab"][aria-selected="true"]')?.textContent,
          };
        });
      const press = (key: string) =>
        page.evaluate((key) => {
          const focused = window.panelRoot()?.activeElement;
          focused?.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true }));
        }, key);
      expect(await state()).toMatchObject({ expanded: 'false', hidden: true });
      await page.evaluate(() => {
        const toggle = window.panelRoot()?.querySelector<HTMLButtonElement>('.toggle');
        toggle?.focus();
        toggle?.click();
      });
      expect(await state()).toMatchObject({
        expanded: 'true',
        hidden: false,
        label: 'gkc-session devtools',
        focused: 'Snapshot',
      });
      await press('ArrowRight');
      expect(await state()).toMatchObject({ focused: expect.stringMatching(/^Timeline/) });
      expect((await state()).selected).toMatch(/^Timeline/);
      await press('End');
      expect((await state()).focused).toMatch(/^Tabs/);
      await press('ArrowRight');
      expect(await state()).toMatchObject({ focused: 'Snapshot', selected: 'Snapshot' });
      await press('ArrowLeft');
      expect((await state()).selected).toMatch(/^Tabs/);
      await press('Home');
      expect((await state()).selected).toBe('Snapshot');
      await press('Escape');
      expect(await state()).toMatchObject({ expanded: 'false', hidden: true, focused: 'toggle' });
    });

    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 375, height: 740 },
    ]) {
      it(`has no axe-core violations with the panel open at ${viewport.width} px, in every view`, async () => {
        const page = await open({});
        await page.setViewport(viewport);
        await started(page);
        await page.evaluate(() => window.manager?.update({ visitId: 'v-axe' }));
        await mount(page);
        await page.evaluate(
          () =>
            new Promise<void>((resolve, reject) => {
              // The page requires Trusted Types for script URLs: the test's own loader makes one.
              const types = (window as { trustedTypes?: { createPolicy(n: string, p: object): unknown } })
                .trustedTypes;
              const policy = types?.createPolicy('axe-loader', { createScriptURL: (url: string) => url }) as
                | { createScriptURL(url: string): string }
                | undefined;
              const script = document.createElement('script');
              script.onload = () => resolve();
              script.onerror = () => reject(new Error('/axe.js did not load'));
              script.src = policy ? policy.createScriptURL('/axe.js') : '/axe.js';
              document.head.append(script);
            }),
        );
        for (const name of ['Snapshot', 'Timeline', 'Requests', 'Tabs']) {
          const violations = await page.evaluate(async (name) => {
            window.panelView(name);
            const { axe: inPage } = window as unknown as { axe: typeof axe };
            const results = await inPage.run(document, { resultTypes: ['violations'] });
            return results.violations.map(
              ({ id, nodes }) => `${id}: ${nodes.map((node) => JSON.stringify(node.target)).join(', ')}`,
            );
          }, name);
          expect({ name, violations }).toEqual({ name, violations: [] });
        }
        // The panel is styled (its constructed stylesheet applied) and lies within the viewport.
        const box = await page.evaluate(() => {
          const dialog = window.panelRoot()?.querySelector('[role="dialog"]');
          const rect = dialog?.getBoundingClientRect();
          return {
            position: dialog && getComputedStyle(dialog).position,
            left: rect?.left,
            right: rect?.right,
            width: window.innerWidth,
          };
        });
        expect(box.position).toBe('fixed');
        expect(box.left).toBeGreaterThanOrEqual(0);
        expect(box.right).toBeLessThanOrEqual(box.width);
      });
    }

    it('downloads the trace where the clipboard is refused', async () => {
      const page = await open({});
      await started(page);
      await mount(page);
      const download = await page.evaluate(async () => {
        Object.defineProperty(navigator, 'clipboard', {
          configurable: true,
          value: {
            writeText: () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError')),
          },
        });
        let blob: Blob | undefined;
        let name = '';
        const createObjectURL = URL.createObjectURL;
        URL.createObjectURL = (object: Blob | MediaSource) => {
          blob = object as Blob;
          return createObjectURL(object);
        };
        const click = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
          name = this.download; // no file is saved: the link is only read
        };
        try {
          const copy = [...(window.panelRoot()?.querySelectorAll('button') ?? [])].find(
            (button) => button.textContent === 'Copy trace',
          );
          copy?.click();
          for (let i = 0; i < 50 && !blob; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        } finally {
          URL.createObjectURL = createObjectURL;
          HTMLAnchorElement.prototype.click = click;
        }
        return {
          name,
          type: blob?.type,
          trace: blob && JSON.parse(await blob.text()),
          notice: window.panelRoot()?.querySelector('[role="status"]')?.textContent,
        };
      });
      expect(download.name).toMatch(/^gkc-session-trace-.+\.json$/);
      expect(download.type).toBe('application/json');
      expect(download.trace).toMatchObject({ format: 'gkc-session-trace', version: 1, copiedFrom: 'tab 1' });
      expect(download.notice).toContain('The clipboard was refused');
    });

    it('shows a lost session recovered once, seen from three tabs, in each tab’s merged timeline', async () => {
      const tabs = [await open({})];
      const first = await started(tabs[0] as EnginePage);
      tabs.push(await open({}), await open({}));
      for (const tab of tabs) expect(await started(tab)).toBe(first);
      for (const [i, tab] of tabs.entries()) expect(await mount(tab)).toBe(`tab ${i + 1}`);
      const [one, two, three] = tabs as [EnginePage, EnginePage, EnginePage];

      // The server restarts and forgets every session; tab 2 searches first, then tab 3.
      harness.server.forgetSessions();
      const search = (page: EnginePage) =>
        page.evaluate(async () => {
          const response = await window.manager?.fetch('kbs/support/search?lang=en', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: 'password' }),
          });
          return response?.status;
        });
      expect(await search(two)).toBe(200);
      const second = await two.evaluate(() => window.manager?.getSnapshot().session?.sessionId);
      for (const tab of [one, three])
        await expect
          .poll(() => tab.evaluate(() => window.manager?.getSnapshot().session?.sessionId))
          .toBe(second);
      expect(await search(three)).toBe(200);
      expect(harness.server.calls('create')).toHaveLength(2); // the first, and one recovery for three tabs

      let trace: DevtoolsTrace | undefined;
      const expected = [
        `tab 2 request knowledge 404 ${first}`,
        `tab 2 request create 200 ${second}`,
        `tab 2 event established not-found ${second}`,
        `tab 2 request knowledge 200 ${second}`,
        `tab 3 request knowledge 200 ${second}`,
      ];
      const line = (row: DevtoolsTrace['rows'][number]) =>
        row.kind === 'event'
          ? `${row.tab} event ${row.type} ${row.reason} ${row.sessionId}`
          : `${row.tab} request ${row.call} ${row.status} ${row.sessionId}`;
      await expect
        .poll(async () => {
          trace = JSON.parse(await copiedTrace(one)) as DevtoolsTrace;
          return trace.rows.map(line).filter((text) => expected.includes(text));
        })
        .toEqual(expected);
      const rows = (trace as DevtoolsTrace).rows;
      // The two other tabs followed tab 2's new session, each told by another tab.
      for (const tab of ['tab 1', 'tab 3'])
        expect(rows).toContainEqual(
          expect.objectContaining({ tab, kind: 'event', type: 'record', sessionId: second, remote: true }),
        );
      // One Create since the panels were mounted (the first session was made before), by tab 2.
      expect(rows.filter((row) => row.kind === 'request' && row.call === 'create')).toMatchObject([
        { tab: 'tab 2', sessionId: second },
      ]);
      expect((trace as DevtoolsTrace).tabs.map((tab) => tab.tab)).toEqual(['tab 1', 'tab 2', 'tab 3']);
      const events = rows.filter((row): row is TraceEventRow => row.kind === 'event');
      expect(new Set(events.map((row) => row.tab))).toEqual(new Set(['tab 1', 'tab 2', 'tab 3']));

      // The worked example of docs/devtools.md is this trace; its screenshot, this panel (Chromium).
      mkdirSync(testResults, { recursive: true });
      writeFileSync(`${testResults}devtools-trace-${engineName}.json`, JSON.stringify(trace, null, 2));
      if (engineName === 'chromium') {
        await three.setViewport({ width: 800, height: 620 });
        await view(three, 'Timeline');
        const path =
          process.env.UPDATE_SCREENSHOT === '1'
            ? fileURLToPath(new URL('../../docs/devtools.png', import.meta.url))
            : `${testResults}devtools.png`;
        await three.screenshot(path);
      }
    });
  });
}
