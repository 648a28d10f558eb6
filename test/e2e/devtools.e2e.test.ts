// @vitest-environment node
// End to end: the demo's "Devtools" switch (demo/devtools.ts), as `npm start` serves the demo, in Debian's
// Chromium (playwright) and Firefox ESR (the engine adapter through ./demoPage). The panel itself is tested
// in all three engines by test/browser/devtools.browser.test.ts.
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
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

async function openDemo(): Promise<Page> {
  const tab = await context.newPage();
  await tab.goto(`${origin}/`);
  await tab.locator('#status-pill', { hasText: 'ready' }).waitFor();
  return tab;
}

interface PanelRows {
  label: string;
  timeline: Record<string, string>[];
  requests: Record<string, string>[];
}

/**
 * The panel's label and the rows of its Timeline and Requests views (opening it: a closed panel draws no
 * view), or null when none is mounted.
 */
const panel = (page: Page) =>
  page.evaluate((): PanelRows | null => {
    const root = document.querySelector('[data-gkc-session-devtools]')?.shadowRoot;
    if (!root) return null;
    if (root.querySelector('[role="dialog"]')?.hasAttribute('hidden'))
      root.querySelector<HTMLButtonElement>('.toggle')?.click();
    const rows = (view: string) => {
      const tabs = [...root.querySelectorAll<HTMLElement>('[role="tab"]')];
      const tab = tabs.find((candidate) => candidate.textContent?.startsWith(view));
      tab?.click();
      const table = root.getElementById(tab?.getAttribute('aria-controls') ?? '')?.querySelector('table');
      const headers = [...(table?.querySelectorAll('th') ?? [])].map((th) => th.textContent ?? '');
      return [...(table?.querySelectorAll('tbody tr') ?? [])].map((tr) =>
        Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [headers[i], td.textContent ?? ''])),
      );
    };
    return {
      label: root.querySelector('.tab-label')?.textContent ?? '',
      timeline: rows('Timeline'),
      requests: rows('Requests'),
    };
  });

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
  await fetch(`${origin}/__gkc/reset`, { method: 'POST', body: '{}' });
});

describe.each(demoEngines)('the demo’s Devtools switch in %s', { timeout: 60_000 }, (_label, engine) => {
  beforeAll(async () => {
    browser = engine === 'chromium' ? await launchChromium() : demoBrowser(await launchEngine(engine));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
  });

  afterEach(async () => {
    await context.close();
  });

  it("mounts the panel, in the tabs opened after too, which shows another tab's search tagged with its tab", async () => {
    const first = await openDemo();
    expect(await panel(first)).toBeNull();
    await first.getByLabel('Devtools', { exact: true }).check();
    await expect.poll(async () => (await panel(first))?.label).toBe('tab 1');

    // The switch is remembered: the next tab mounts its panel at load.
    const second = await openDemo();
    await expect.poll(async () => (await panel(second))?.label).toBe('tab 2');
    // Mounted at load, before the manager started: tab 2's start is a row of tab 1's timeline.
    await expect
      .poll(async () => (await panel(first))?.timeline)
      .toEqual(expect.arrayContaining([expect.objectContaining({ Tab: 'tab 2', Event: 'start' })]));
    await second.getByLabel('Search the help centre').fill('reset password');
    await second.getByRole('button', { name: 'Search', exact: true }).click();
    await second.locator('#results .result').first().waitFor();

    await expect
      .poll(async () => (await panel(first))?.requests)
      .toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Tab: 'tab 2', Call: 'knowledge', Method: 'POST', Status: '200' }),
        ]),
      );

    // Off again: the panel goes, in this tab.
    await first.getByLabel('Devtools', { exact: true }).click();
    expect(await panel(first)).toBeNull();
  });

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 375, height: 740 },
  ]) {
    it(`has no axe-core violations with the panel open over the demo at ${viewport.width} px`, async () => {
      const page = await openDemo();
      await page.setViewportSize(viewport);
      await page.getByLabel('Devtools', { exact: true }).check();
      // Opened by reading it.
      await expect.poll(async () => (await panel(page))?.label).toBe('tab 1');
      await page.addScriptTag({ content: axe.source });
      const violations = await page.evaluate(async () => {
        const { axe: inPage } = window as unknown as { axe: typeof axe };
        const results = await inPage.run(document, { resultTypes: ['violations'] });
        return results.violations.map(
          ({ id, nodes }) => `${id}: ${nodes.map((node) => JSON.stringify(node.target)).join(', ')}`,
        );
      });
      expect(violations).toEqual([]);
    });
  }
});
