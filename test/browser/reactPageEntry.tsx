// The React binding as a React application's page runs it, for ../browser/react.browser.test.ts: React's
// development build (as a dev server serves it: Strict Mode runs every effect, its cleanup and the effect
// again), react-dom/client, and `window.react` to mount, re-render, hydrate and unmount the app of
// ../react/app.tsx under <StrictMode>, against the stand-in on this origin.
import { StrictMode, version } from 'react';
import { createRoot, hydrateRoot, type Root } from 'react-dom/client';
import type { SessionManager, SessionManagerOptions } from '../../src/index';
import { App, OwnWidget } from '../react/app';

type Options = Omit<SessionManagerOptions, 'baseUrl'> & { baseUrl?: string };

declare global {
  interface Window {
    react: typeof page;
  }
}

/** Whatever React reports: console errors (hydration mismatches among them) and the root's error callbacks. */
const errors: string[] = [];
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  errors.push(args.map(String).join(' '));
  consoleError(...args);
};
const rootOptions = {
  onRecoverableError: (error: unknown) => errors.push(`recoverable: ${String(error)}`),
  onCaughtError: (error: unknown) => errors.push(`caught: ${String(error)}`),
  onUncaughtError: (error: unknown) => errors.push(`uncaught: ${String(error)}`),
};

/** Every manager the components were given, and the trace events of every manager the binding created. */
const managers: SessionManager[] = [];
const events: { type: string; sessionId: string | null }[] = [];
const onManager = (manager: SessionManager | null) => {
  if (manager && !managers.includes(manager)) managers.push(manager);
};
const onEvent = ({ type, sessionId }: { type: string; sessionId: string | null }) => {
  events.push({ type, sessionId });
};

const container = document.body.appendChild(document.createElement('div'));
let root: Root | undefined;
let widget: 'provider' | 'own' = 'provider';

function element(options: Options) {
  const props = { baseUrl: '/gks-server/v1', ...options, onManager, onEvent };
  return <StrictMode>{widget === 'own' ? <OwnWidget {...props} /> : <App {...props} />}</StrictMode>;
}

const field = (name: string) => container.querySelector(`[data-field="${name}"]`)?.textContent ?? null;
const current = () => managers.at(-1);

const page = {
  version,
  /** Renders the app (or, with `own`, the component that owns its manager) into a new root. */
  mount(options: Options = {}, kind: 'provider' | 'own' = 'provider') {
    widget = kind;
    root = createRoot(container, rootOptions);
    root.render(element(options));
  },
  /** Renders it again with other props, as a parent's state change would. */
  render(options: Options) {
    root?.render(element(options));
  },
  /** Puts the server's markup in the page and hydrates it, as a server-rendered page's script does. */
  hydrate(markup: string, options: Options = {}) {
    widget = 'provider';
    container.innerHTML = markup;
    root = hydrateRoot(container, element(options), rootOptions);
  },
  unmount() {
    root?.unmount();
    root = undefined;
  },
  /** What the page shows now. */
  shown: () => ({ status: field('status'), session: field('session'), customer: field('customer') }),
  /** The status of every manager the components were given, oldest first. */
  statuses: () => managers.map((manager) => manager.getSnapshot().status),
  events: () => events.slice(),
  errors: () => errors.slice(),
  markup: () => container.innerHTML,
  /** A Knowledge search through the manager the components have now. */
  async search(query: string) {
    const manager = current();
    if (!manager) throw new Error('no manager yet');
    const response = await manager.fetch('kbs/support/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return response.status;
  },
  /** The Web Locks this page holds or waits for. */
  async locks() {
    const { held = [], pending = [] } = await navigator.locks.query();
    return [...held, ...pending].map((lock) => lock.name ?? '');
  },
};

window.react = page;
