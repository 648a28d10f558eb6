// @vitest-environment node
// End to end: the demo as `npm start` serves it (Vite dev server with the stand-in mounted), driven in
// Debian's Chromium like a person would: typing, clicking, reloading, opening tabs; and in Firefox ESR
// through the engine adapter, with playwright's locators stood in by ./demoPage (DOM actions, not typing).
// Not in WebKit: each MiniBrowser window starts a web process of its own, which would double the run's time;
// the library's behaviour in WebKit is what test/browser checks.
import { fileURLToPath } from 'node:url';
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
): Promise<{ log: LogEntry[]; sessions: { sessionId: string; visitId?: string }[] }> {
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
  context = await browser.newContext();
});

afterEach(async () => {
  await context.close();
});

describe.each(demoEngines)('the demo in %s', { timeout: 30_000 }, (_label, engine) => {
  beforeAll(async () => {
    browser = engine === 'chromium' ? await launchChromium() : demoBrowser(await launchEngine(engine));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
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

    await page.getByRole('button', { name: 'How do I reset my password? was helpful' }).click();
    await expect.poll(async () => (await calls('vote')).map((entry) => entry.sessionId)).toEqual([sessionId]);

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.locator('#log tr').first().waitFor();
    // test-results/ is ignored by git; UPDATE_SCREENSHOT=1 refreshes the README's copy in demo/.
    const target =
      process.env.UPDATE_SCREENSHOT && engine === 'chromium'
        ? '../../demo/screenshot.png'
        : `../../test-results/demo-screenshot${engine === 'chromium' ? '' : `-${engine}`}.png`;
    await page.screenshot({ path: fileURLToPath(new URL(target, import.meta.url)), fullPage: true });
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await phone.newPage();
    await openDemo(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.close();
  });
});
