import { EnvironmentError } from '../errors.js';
import { needsPage } from '../http/serverUrl.js';
import { storageKindOf } from '../io/store.js';
import type { SessionManager, SessionManagerOptions, SessionSnapshot, SnapshotListener } from '../types.js';
import { resolveOptions } from './options.js';

/**
 * A manager made where there is no page to resolve a `baseUrl` that is a path against: a server render
 * (Next.js, Remix, `react-dom/server`) runs the application's module code, and creating the manager there must
 * not throw. Nothing is resolved and nothing is done: the snapshot is `idle`, `subscribe` and `destroy` work,
 * and every call that needs the server makes the real manager if a page has come meanwhile (a test installing
 * one), or else rejects with an `EnvironmentError` that says what to do.
 */
export function pagelessManager(
  options: SessionManagerOptions,
  create: (options: SessionManagerOptions) => SessionManager,
): SessionManager {
  // The other options are checked now, as `createSessionManager` promises, against a stand-in page.
  resolveOptions(options, 'http://page.invalid/');
  const idle: SessionSnapshot = Object.freeze({
    status: 'idle',
    session: null,
    error: null,
    storage: storageKindOf(options.storage ?? 'indexeddb'),
    pendingUpdates: 0,
    change: null,
    storageError: null,
  });
  const listeners = new Set<SnapshotListener>();
  let real: SessionManager | null = null;
  let destroyed = false;

  function manager(): SessionManager {
    if (real) return real;
    if (destroyed) throw new EnvironmentError('The session manager was destroyed before a page was there');
    if (needsPage(options.baseUrl)) {
      throw new EnvironmentError(
        `baseUrl ${JSON.stringify(String(options.baseUrl))} is a path, and there is no page to resolve it against ` +
          '(server rendering?): use the manager in the browser, or give an absolute baseUrl',
      );
    }
    real = create(options);
    for (const listener of listeners) real.subscribe(listener);
    return real;
  }
  const later =
    <A extends unknown[], R>(call: (manager: SessionManager, ...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> =>
      call(manager(), ...args);

  return {
    ready: later((m) => m.ready()),
    update: later((m, patch: Parameters<SessionManager['update']>[0]) => m.update(patch)),
    identify: later((m, identity: Parameters<SessionManager['identify']>[0]) => m.identify(identity)),
    fetch: later((m, input: string | URL | Request, init?: RequestInit) => m.fetch(input, init)),
    reset: later((m) => m.reset()),
    getSnapshot: () => real?.getSnapshot() ?? idle,
    subscribe: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      if (real) return real.subscribe(listener);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    destroy: () => {
      destroyed = true;
      real?.destroy();
    },
    queryKey: ['gkc-session', String(options.baseUrl).trim().replace(/\/+$/, ''), options.tenantId ?? null],
  };
}
