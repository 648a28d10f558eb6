// What the devtools test page adds to the test page (./pageEntry), before it runs: managers made through
// `withDevtools`, `window.devtools`, a record of the BroadcastChannels the page opens and closes and of the
// Content-Security-Policy violations it meets, a page that is axe-clean without the panel, and helpers that
// read the panel (its views' tables) from the tests.
import * as devtools from '../../src/devtools/index';
import * as gkc from '../../src/index';

interface PanelTable {
  caption: string;
  headers: string[];
  /** Each cell's text; a shortened session id's whole id (its title). */
  rows: string[][];
  /** The view's text when it shows no table. */
  text: string;
}

declare global {
  interface Window {
    devtools: typeof devtools;
    unmount?: () => void;
    /** Every BroadcastChannel the page opened or closed, in order. */
    channels: { name: string; event: 'open' | 'close' }[];
    violations: string[];
    /** Shows a view of the panel and reads its tables (the first, or `which`). */
    panelView(name: string, which?: number): PanelTable;
    /** The panel's shadow root, or null when no panel is mounted. */
    panelRoot(): ShadowRoot | null;
  }
}

document.documentElement.lang = 'en';
const main = document.createElement('main');
const heading = document.createElement('h1');
heading.textContent = 'gkc-session devtools test page';
main.append(heading);
document.body.append(main);

window.violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});

window.channels = [];
const NativeChannel = globalThis.BroadcastChannel;
globalThis.BroadcastChannel = class extends NativeChannel {
  constructor(name: string) {
    super(name);
    window.channels.push({ name, event: 'open' });
  }
  override close(): void {
    window.channels.push({ name: this.name, event: 'close' });
    super.close();
  }
};

window.createManager = devtools.withDevtools(gkc.createSessionManager);
window.devtools = devtools;

window.panelRoot = () => document.querySelector('[data-gkc-session-devtools]')?.shadowRoot ?? null;
window.panelView = (name, which = 0) => {
  const root = window.panelRoot();
  if (!root) throw new Error('no panel is mounted');
  const tab = [...root.querySelectorAll<HTMLElement>('[role="tab"]')].find((candidate) =>
    candidate.textContent?.startsWith(name),
  );
  if (!tab) throw new Error(`the panel has no ${name} view`);
  tab.click();
  const body = root.getElementById(tab.getAttribute('aria-controls') ?? '');
  const found = body?.querySelectorAll('table')[which];
  const text = (cell: Element) =>
    cell.querySelector('[title]')?.getAttribute('title') ?? cell.textContent ?? '';
  return {
    caption: found?.caption?.textContent ?? '',
    headers: [...(found?.querySelectorAll('th') ?? [])].map(text),
    rows: [...(found?.querySelectorAll('tbody tr') ?? [])].map((row) =>
      [...row.querySelectorAll('td')].map(text),
    ),
    text: body?.textContent ?? '',
  };
};
