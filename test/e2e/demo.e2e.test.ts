// @vitest-environment node
// End to end: the demo as `npm start` serves it (Vite dev server with the stand-in mounted), driven in
// Debian's Chromium like a person would: typing, clicking, reloading, opening tabs; and in Firefox ESR
// through the engine adapter, with playwright's locators stood in by ./demoPage (DOM actions, not typing).
// Not in WebKit: each MiniBrowser window starts a web process of its own, which would double the run's time;
// the library's behaviour in WebKit is what test/browser checks.
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import type { Browser as PlaywrightBrowser, Page as PlaywrightPage } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engineLabel, launchEngine, selectedEngines } from '../browser/engines';
import { launchChromium } from '../browser/harness';
import { type DemoBrowser, type DemoContext, demoBrowser, type DemoPage as Page } from './demoPage';

let vite: ViteDevServer;
let browser: DemoBrowser;
let context: DemoContext;
let origin: string;

const demoEngines = selectedEngines()
  .filter((name) => name !== 'webkit')
  .map((name) => [engineLabel(name), name] as const);

interface LogEntry {
  call: string;
  sessionId: string | null;
  status: number;
  body: unknown;
}

async function control(
  action: string,
  body?: unknown,
): Promise<{
  log: LogEntry[];
  sessions: { sessionId: string; visitId?: string }[];
  faults: { down?: boolean };
}> {
  const response = await fetch(`${origin}/__gkc/${action}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return response.json();
}

const calls = async (call: string) => (await control('state')).log.filter((entry) => entry.call === call);

async function openDemo(page?: Page): Promise<Page> {
  const tab = page ?? (await context.newPage());
  await tab.goto(`${origin}/`);
  await tab.locator('#status-pill', { hasText: 'ready' }).waitFor();
  return tab;
}

const shownSessionId = (page: Page) => page.locator('#f-session').textContent();

/** Ticks "Down" and waits until the stand-in has it: a search sent before would still be answered. */
async function takeServerDown(page: Page | PlaywrightPage): Promise<void> {
  await page.getByLabel('Down (connections reset)').check();
  await expect.poll(async () => (await control('state')).faults.down).toBe(true);
}

async function searchFor(page: Page | PlaywrightPage, query: string): Promise<void> {
  await page.getByLabel('Search the help centre').fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
}

/** axe-core's violations on the page as it is now, one line each: the rule and the elements it found. */
async function axeViolations(page: PlaywrightPage): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async () => {
    const { axe: inPage } = window as unknown as { axe: typeof axe };
    const results = await inPage.run(document, { resultTypes: ['violations'] });
    return results.violations.map(
      ({ id, nodes }) => `${id}: ${nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
  });
  return violations;
}

async function searchAndVote(page: PlaywrightPage): Promise<void> {
  await page.getByLabel('Search the help centre').fill('reset password');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('#results .result').first().waitFor();
  const votes = page.getByRole('group', { name: 'How do I reset my password? Helpful?' });
  await votes.getByRole('button', { name: 'Yes' }).click();
  await page.getByText('Thanks for your feedback').waitFor();
  await page.locator('#log tr').first().waitFor({ state: 'attached' }); // behind a tab on a phone
}

/** test-results/ is ignored by git; UPDATE_SCREENSHOT=1 refreshes the copies in demo/ that CONTRIBUTING.md shows. */
const screenshotPath = (name: string) =>
  fileURLToPath(
    new URL(
      process.env.UPDATE_SCREENSHOT ? `../../demo/${name}.png` : `../../test-results/demo-${name}.png`,
      import.meta.url,
    ),
  );

beforeAll(async () => {
  vite = await createServer({
    configFile: fileURLToPath(new URL('../../demo/vite.config.ts', import.meta.url)),
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0 },
  });
  await vite.listen();
  origin = (vite.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
}, 60_000);

afterAll(async () => {
  await vite?.close();
});

beforeEach(async () => {
  await control('reset', {});
});

// Each test drives a whole page (or six, or two viewports) on a machine it may share: more than 10 s at times.
describe.each(demoEngines)('the demo in %s', { timeout: 30_000 }, (_label, engine) => {
  beforeAll(async () => {
    browser = engine === 'chromium' ? await launchChromium() : demoBrowser(await launchEngine(engine));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  // Wide, as a desktop shows the demo (every panel at once); the phone layout has tests of its own below.
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });

  afterEach(async () => {
    await context.close();
  });

  it('creates one session on a first visit, and reuses it with no Create after a reload', async () => {
    const page = await openDemo();
    const sessionId = await shownSessionId(page);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await calls('create')).toHaveLength(1);
    await page.reload();
    await page.locator('#status-pill', { hasText: 'ready' }).waitFor();
    expect(await shownSessionId(page)).toBe(sessionId);
    await expect
      .poll(async () => (await page.locator('#f-change').textContent()) ?? '')
      .toContain('restored');
    expect(await calls('create')).toHaveLength(1);
  });

  it('gives six tabs opened together one session', async () => {
    const pages = await Promise.all(Array.from({ length: 6 }, () => context.newPage()));
    await Promise.all(pages.map((page) => openDemo(page)));
    const ids = await Promise.all(pages.map(shownSessionId));
    expect(new Set(ids).size).toBe(1);
    expect(await calls('create')).toHaveLength(1);
  });

  it('delivers after a reload an update made while the server was down', async () => {
    const page = await openDemo();
    const sessionId = await shownSessionId(page);
    await page.getByLabel('Down (connections reset)').check();
    await page.getByLabel('Visit id', { exact: true }).fill('visit-while-down');
    await page.getByRole('button', { name: 'Update visit' }).click();
    await expect.poll(() => page.locator('#f-pending').textContent()).toBe('1');
    expect(await page.locator('#f-visit').textContent()).toBe('visit-while-down');
    await page.close(); // the visitor leaves while the server is down

    await control('faults', {});
    const next = await openDemo();
    expect(await shownSessionId(next)).toBe(sessionId);
    await expect
      .poll(async () => (await control('state')).sessions.find((s) => s.sessionId === sessionId)?.visitId)
      .toBe('visit-while-down');
    await expect.poll(() => next.locator('#f-pending').textContent()).toBe('0');
  });

  it('shows one search made while the server is down as one request in the log, not the browser’s resends', async () => {
    const page = await openDemo();
    await takeServerDown(page);
    await searchFor(page, 'refund');
    await expect.poll(() => page.locator('#search-status').textContent()).toContain('NetworkError');
    // A browser resends a request that a kept-alive connection drops unanswered (Chromium once per pooled
    // connection): those resends would read as retries, which manager.fetch never makes.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await calls('search')).map((entry) => entry.status)).toEqual([0]);
  });

  it('says the server answers again only once a call has succeeded, not when an update is queued', async () => {
    const page = await openDemo();
    await takeServerDown(page);
    await searchFor(page, 'refund');
    await expect.poll(() => page.locator('#search-status').textContent()).toContain('NetworkError');
    await page.getByLabel('Visit id', { exact: true }).fill('visit-while-down');
    await page.getByRole('button', { name: 'Update visit' }).click();
    await expect.poll(() => page.locator('#f-pending').textContent()).toBe('1');
    await expect.poll(async () => (await calls('update')).length).toBeGreaterThan(0);
    expect(await page.locator('#search-status').textContent()).toContain('NetworkError');
    await control('faults', {});
    await expect
      .poll(() => page.locator('#search-status').textContent())
      .toBe('The server answers again: search again.');
  });

  it('shows a failed Knowledge call in the session panel until a call succeeds', async () => {
    const page = await openDemo();
    expect(await page.locator('#f-request-error').textContent()).toBe('none');
    await takeServerDown(page);
    // The type-ahead's call fails first (the panel shows the latest failure), then the search's.
    await page.getByLabel('Search the help centre').fill('refund');
    await expect.poll(async () => (await calls('suggestions')).length).toBe(1);
    await expect
      .poll(() => page.locator('#f-request-error').textContent())
      .toMatch(/^suggestions: NetworkError \(network\)/);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect
      .poll(() => page.locator('#f-request-error').textContent())
      .toMatch(/^search: NetworkError \(network\)/);
    expect(await page.locator('#f-error').textContent()).toBe('none'); // the session itself is fine
    await control('faults', {});
    await searchFor(page, 'refund');
    await page.locator('#results .result').first().waitFor();
    await expect.poll(() => page.locator('#f-request-error').textContent()).toBe('none');
  });
});

// These use playwright's own page API (roles of groups, visibility, console events, select boxes), which
// ./demoPage does not stand in for: Chromium only, when Chromium is among the engines selected. Vitest runs
// this file once per engine (vitest.config.ts): elsewhere the block is left out, not counted as skipped.
if (selectedEngines().includes('chromium'))
  describe('the demo in Chromium (playwright locators, axe-core, the phone layout)', {
    timeout: 30_000,
  }, () => {
    let chromium: PlaywrightBrowser;
    let context: Awaited<ReturnType<PlaywrightBrowser['newContext']>>;
    const browser = { newContext: (options?: object) => chromium.newContext(options) };
    const openDemo = async (page?: PlaywrightPage): Promise<PlaywrightPage> => {
      const tab = page ?? (await context.newPage());
      await tab.goto(`${origin}/`);
      await tab.locator('#status-pill', { hasText: 'ready' }).waitFor();
      return tab;
    };
    const shownSessionId = (page: PlaywrightPage) => page.locator('#f-session').textContent();

    beforeAll(async () => {
      chromium = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await chromium?.close();
    });

    beforeEach(async () => {
      context = await chromium.newContext();
    });

    afterEach(async () => {
      await context.close();
    });

    it('searches under the session, shows results, and saves a screenshot', async () => {
      const page = await openDemo();
      const sessionId = await shownSessionId(page);
      await page.getByLabel('Search the help centre').fill('reset password');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.locator('#results .result').first().waitFor();
      expect(await page.locator('#results .result h3').first().textContent()).toBe(
        'How do I reset my password?',
      );
      const [search] = await calls('search');
      expect(search).toMatchObject({ sessionId, status: 200, body: { query: 'reset password' } });

      await page
        .getByRole('group', { name: 'How do I reset my password? Helpful?' })
        .getByRole('button', { name: 'Yes' })
        .click();
      await expect
        .poll(async () => (await calls('vote')).map((entry) => entry.sessionId))
        .toEqual([sessionId]);

      await page.setViewportSize({ width: 1280, height: 900 });
      await page.locator('#log tr').first().waitFor();
      await page.screenshot({ path: screenshotPath('screenshot'), fullPage: true });
    });

    it('fits a phone screen: no sideways scrolling, and every column of the request log in view', async () => {
      const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
      const page = await phone.newPage();
      await openDemo(page);
      await searchAndVote(page);
      await page.getByRole('tab', { name: 'Requests' }).click();
      const layout = await page.evaluate(() => {
        const wrap = document.querySelector('.log .table-wrap') as HTMLElement;
        const row = document.querySelector('#log tr') as HTMLElement;
        const cells = [...row.querySelectorAll('td')].map((cell) => cell.getBoundingClientRect());
        const sessionCell = row.querySelector('td.session') as HTMLElement;
        return {
          pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
          logOverflow: wrap.scrollWidth - wrap.clientWidth,
          cellsOutOfView: cells.filter((cell) => cell.width === 0 || cell.right > window.innerWidth).length,
          sessionIdLines: Math.round(
            sessionCell.getBoundingClientRect().height /
              Number.parseFloat(getComputedStyle(sessionCell).lineHeight),
          ),
        };
      });
      // The session id on a line of its own, whole: not broken over three lines as in a fifth of a column.
      expect(layout).toEqual({ pageOverflow: 0, logOverflow: 0, cellsOutOfView: 0, sessionIdLines: 1 });
      await page.getByRole('tab', { name: 'Search' }).click();
      await page.screenshot({ path: screenshotPath('screenshot-phone'), fullPage: true });
      await phone.close();
    });

    it.each([
      { width: 1280, height: 900 },
      { width: 375, height: 740 },
    ])('has no axe-core violations at $width px, before and after a search and a vote', async (viewport) => {
      const sized = await browser.newContext({ viewport, isMobile: viewport.width < 500 });
      const page = await openDemo(await sized.newPage());
      expect(await axeViolations(page)).toEqual([]);
      await searchAndVote(page);
      expect(await axeViolations(page)).toEqual([]);
      // On a phone each panel is behind a tab: each is checked as it shows.
      for (const name of viewport.width < 500 ? ['Session', 'Requests', 'Search'] : []) {
        await page.getByRole('tab', { name }).click();
        expect(await axeViolations(page), `with the ${name} tab selected`).toEqual([]);
      }
      await sized.close();
    });

    it('loads without a console error or a failed request (a favicon included)', async () => {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      });
      await openDemo(page);
      await page.locator('#top li').first().waitFor();
      expect(problems).toEqual([]);
    });

    it('offers "no answer" feedback only after a search, and sends it with that search', async () => {
      const page = await openDemo();
      const tellUs = page.getByRole('button', { name: 'Tell us' });
      expect(await tellUs.isVisible()).toBe(false);
      await page.getByLabel('Search the help centre').fill('warp drive');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await tellUs.click();
      await page.getByText('Thanks: we will write an article for that.').waitFor();
      expect((await calls('no-answer')).map((entry) => entry.body)).toEqual([{ query: 'warp drive' }]);
    });

    it('takes a network error off the screen once the server is back', async () => {
      const page = await openDemo();
      await page.getByLabel('Down (connections reset)').check();
      await page.getByLabel('Search the help centre').fill('refund');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect.poll(() => page.locator('#search-status').textContent()).toContain('NetworkError');
      await page.getByLabel('Down (connections reset)').uncheck();
      await expect
        .poll(() => page.locator('#search-status').textContent())
        .toBe('The server answers again: search again.');
    });

    it('says the unknown-session answer applies to the check at load, and shows it there', async () => {
      const page = await openDemo();
      const note = () => page.locator('#server-note').textContent();
      await page.getByLabel('Answer to an unknown session').selectOption('9');
      await expect.poll(note).toContain('reload');
      // A Knowledge call under a forgotten session: 404 in every version, then a new session.
      const first = await shownSessionId(page);
      await page.getByRole('button', { name: 'Forget all sessions' }).click();
      await searchFor(page, 'refund');
      await page.locator('#results .result').first().waitFor();
      await expect.poll(() => page.locator('#f-change').textContent()).toContain('not-found');
      expect(await shownSessionId(page)).not.toBe(first);
      expect(await note()).toContain('404 in every version');

      // The check at load is where the versions differ: 9.x answers with a session of its own...
      await page.getByRole('button', { name: 'Forget all sessions' }).click();
      await page.reload();
      await expect.poll(() => page.locator('#f-change').textContent()).toContain('replaced');
      // ...and 8.5.1 with "Session not found", after which the manager creates one.
      await page.getByLabel('Answer to an unknown session').selectOption('8.5.1');
      await expect.poll(note).toContain('8.5.1');
      await page.getByRole('button', { name: 'Forget all sessions' }).click();
      await page.reload();
      await expect.poll(() => page.locator('#f-change').textContent()).toContain('not-found');
      expect((await calls('retrieve')).map((entry) => entry.status).slice(-1)).toEqual([404]);
    });

    it.each(['data', 'bare'] as const)('reads search results in the %s envelope', async (envelope) => {
      await control('configure', { envelope });
      try {
        const page = await openDemo();
        await searchFor(page, 'reset password');
        await page.locator('#results .result').first().waitFor();
        expect(await page.locator('#results .result h3').first().textContent()).toBe(
          'How do I reset my password?',
        );
      } finally {
        await control('configure', { envelope: 'response' });
      }
    });

    it('says what came when a search is answered by an HTML page', async () => {
      const page = await openDemo();
      await page.getByLabel('Search the help centre').fill('refund');
      await expect.poll(async () => (await calls('suggestions')).length).toBe(1); // the type-ahead, first
      await control('faults', { malformNext: { count: 1, kind: 'login-page' } });
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect
        .poll(() => page.locator('#search-status').textContent())
        .toBe(
          'InvalidResponseError (invalid-response): The answer is not JSON (200, text/html; charset=utf-8, ' +
            'starts "<!doctype html><title>Sign in</title><fo")',
        );
      expect(await page.locator('#f-request-error').textContent()).toContain('search: InvalidResponseError');
    });

    /** How many lines the session id takes in the panel, and by how much it overflows its place. */
    const sessionIdFit = (page: PlaywrightPage) =>
      page.evaluate(() => {
        const id = document.getElementById('f-session') as HTMLElement;
        const lineHeight = Number.parseFloat(getComputedStyle(id).lineHeight);
        return {
          lines: Math.round(id.getBoundingClientRect().height / lineHeight),
          overflow: id.scrollWidth - id.clientWidth,
        };
      });

    it('keeps the session id on one line at 1280 px, and within its panel down to the one-column layout', async () => {
      const page = await openDemo();
      for (const width of [1280, 900]) {
        await page.setViewportSize({ width, height: 900 });
        expect(await sessionIdFit(page), `at ${width} px`).toEqual({ lines: 1, overflow: 0 });
      }
      expect(await page.getByRole('tab').count()).toBe(0); // wide: every panel in view, no tabs
    });

    it('reaches the session panel at 375 px without scrolling past the results', async () => {
      const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
      const page = await openDemo(await phone.newPage());
      await searchAndVote(page);
      await page.getByRole('tab', { name: 'Session' }).click();
      const place = await page.evaluate(() => ({
        scrollY: window.scrollY,
        sessionTop: (document.getElementById('session-title') as HTMLElement).getBoundingClientRect().top,
        resultsShown: (document.getElementById('results') as HTMLElement).getClientRects().length > 0,
      }));
      expect(place.scrollY).toBe(0);
      expect(place.sessionTop).toBeLessThan(300);
      expect(place.resultsShown).toBe(false);
      expect(await page.locator('#f-session').textContent()).toMatch(/^[0-9a-f-]{36}$/);
      expect(await sessionIdFit(page)).toEqual({ lines: 1, overflow: 0 });
      await page.getByRole('tab', { name: 'Search' }).click();
      expect(await page.locator('#results .result').first().isVisible()).toBe(true);
      await phone.close();
    });
  });
