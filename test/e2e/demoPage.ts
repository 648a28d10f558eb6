/**
 * The part of playwright's page API the demo's end-to-end tests use, for the engines playwright cannot drive:
 * in Chromium the tests get playwright's own pages; in Firefox and WebKit they get these, built on the engine
 * adapter (../browser/engines). Locators find elements as playwright's do (`getByLabel` by label text or
 * `aria-label`, `getByRole('button')` by accessible name, `exact` for whole-string matches, otherwise
 * case-insensitive substrings) and wait up to 10 s for them. Actions are DOM actions, not input events from
 * the driver: `click()` is `element.click()`, `fill()` sets the value and fires `input` and `change`,
 * `check()` clicks an unchecked box.
 */
import { readFileSync } from 'node:fs';
import type { Engine, EnginePage, Profile } from '../browser/engines';

export interface DemoLocator {
  waitFor(): Promise<void>;
  textContent(): Promise<string | null>;
  first(): DemoLocator;
  click(): Promise<void>;
  fill(value: string): Promise<void>;
  check(): Promise<void>;
}

export interface DemoPage {
  goto(url: string): Promise<unknown>;
  reload(): Promise<unknown>;
  close(): Promise<void>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  locator(selector: string, options?: { hasText?: string }): DemoLocator;
  getByLabel(text: string, options?: { exact?: boolean }): DemoLocator;
  getByRole(role: 'button', options: { name: string; exact?: boolean }): DemoLocator;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  addScriptTag(options: { path?: string; content?: string }): Promise<unknown>;
}

export interface DemoContext {
  newPage(): Promise<DemoPage>;
  close(): Promise<void>;
}

export interface DemoBrowser {
  newContext(options?: {
    viewport?: { width: number; height: number };
    isMobile?: boolean;
  }): Promise<DemoContext>;
  close(): Promise<void>;
}

type Query =
  | { by: 'css'; selector: string; hasText?: string }
  | { by: 'label'; text: string; exact: boolean }
  | { by: 'button'; name: string; exact: boolean };

type Action = 'find' | 'text' | 'click' | 'fill' | 'check';

/** Runs in the page: finds the elements a query means and acts on the first (or the only) one. */
function act(request: { query: Query; first: boolean; action: Action; value?: string }) {
  const { query, first, action, value } = request;
  const squash = (text: string | null | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();
  const matches = (actual: string, wanted: string, exact: boolean) =>
    exact ? actual === wanted : actual.toLowerCase().includes(wanted.toLowerCase());
  const labelText = (label: Element) => {
    const copy = label.cloneNode(true) as Element;
    for (const control of copy.querySelectorAll('input, select, textarea')) control.remove();
    return squash(copy.textContent);
  };
  let found: Element[];
  if (query.by === 'css') {
    found = [...document.querySelectorAll(query.selector)].filter(
      (element) => query.hasText === undefined || (element.textContent ?? '').includes(query.hasText),
    );
  } else if (query.by === 'label') {
    found = [...document.querySelectorAll('input, select, textarea')].filter((control) => {
      const names = [control.getAttribute('aria-label') ?? ''];
      for (const label of (control as HTMLInputElement).labels ?? []) names.push(labelText(label));
      return names.some((name) => matches(squash(name), query.text, query.exact));
    });
  } else {
    found = [
      // A <button role="tab"> is a tab, not a button: the role wins, as in the accessibility tree.
      ...document.querySelectorAll(
        'button:not([role]), [role="button"], input[type="button"]:not([role]), input[type="submit"]:not([role])',
      ),
    ].filter((button) =>
      matches(
        squash(button.getAttribute('aria-label') ?? button.textContent ?? (button as HTMLInputElement).value),
        query.name,
        query.exact,
      ),
    );
  }
  const visible = found.filter((element) => element.getClientRects().length > 0 || action === 'text');
  if (visible.length === 0) return { missing: true };
  if (visible.length > 1 && !first && action !== 'find') {
    return { error: `${visible.length} elements match ${JSON.stringify(query)}` };
  }
  const element = visible[0] as HTMLElement;
  if (action === 'text') return { value: element.textContent };
  if (action === 'click') element.click();
  if (action === 'check' && !(element as HTMLInputElement).checked) element.click();
  if (action === 'fill') {
    const input = element as HTMLInputElement;
    input.focus();
    input.value = value ?? '';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }
  return { value: null };
}

function locator(page: EnginePage, query: Query, first = false): DemoLocator {
  const run = async (action: Action, value?: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const result: { missing?: boolean; error?: string; value?: string | null } = await page.evaluate(act, {
        query,
        first,
        action,
        ...(value !== undefined && { value }),
      });
      if (result.error) throw new Error(result.error);
      if (!result.missing) return result.value ?? null;
      if (Date.now() > deadline) throw new Error(`no element matches ${JSON.stringify(query)} after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    waitFor: async () => void (await run('find')),
    textContent: () => run('text'),
    first: () => locator(page, query, true),
    click: async () => void (await run('click')),
    fill: async (value) => void (await run('fill', value)),
    check: async () => void (await run('check')),
  };
}

export function demoPage(page: EnginePage): DemoPage {
  return {
    goto: (url) => page.goto(url),
    reload: () => page.reload(),
    close: () => page.close(),
    evaluate: (fn) => page.evaluate(fn),
    locator: (selector, options) => locator(page, { by: 'css', selector, ...options }),
    getByLabel: (text, options) => locator(page, { by: 'label', text, exact: options?.exact ?? false }),
    getByRole: (_role, { name, exact }) => locator(page, { by: 'button', name, exact: exact ?? false }),
    setViewportSize: (size) => page.setViewport(size),
    screenshot: ({ path }) => page.screenshot(path),
    addScriptTag: ({ path, content }) =>
      page.evaluate(
        (source) => {
          const script = document.createElement('script');
          script.textContent = source;
          document.head.append(script);
        },
        content ?? readFileSync(path ?? '', 'utf8'),
      ),
  };
}

/** An engine seen as a playwright browser: a context is a profile, with the viewport it was asked for. */
export function demoBrowser(engine: Engine): DemoBrowser {
  return {
    async newContext(options) {
      const profile: Profile = await engine.newProfile();
      return {
        async newPage() {
          const page = await profile.newPage();
          if (options?.viewport) await page.setViewport(options.viewport);
          return demoPage(page);
        },
        close: () => profile.close(),
      };
    },
    close: () => engine.close(),
  };
}
