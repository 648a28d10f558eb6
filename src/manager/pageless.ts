import { EnvironmentError } from '../errors.js';
import { storageKindOf } from '../io/store.js';
import type { SessionManager, SessionManagerOptions, SessionSnapshot } from '../types.js';
import { resolveOptions } from './options.js';

/**
 * A manager made where there is no page to resolve a `baseUrl` that is a path against: a server render
 * (Next.js, Remix, `react-dom/server`) runs the application's module code, and creating the manager there must
 * not throw. Nothing can be resolved, so nothing is done: the snapshot stays `idle`, `subscribe` and `destroy`
 * work, and every call that needs the server rejects with an `EnvironmentError` that says what to do.
 */
export function pagelessManager(options: SessionManagerOptions): SessionManager {
  // The other options are checked now, as `createSessionManager` promises, against a stand-in page.
  resolveOptions(options, 'http://page.invalid/');
  const baseUrl = String(options.baseUrl).trim();
  const refuse = async (): Promise<never> => {
    throw new EnvironmentError(
      `baseUrl ${JSON.stringify(baseUrl)} is a path, and there is no page to resolve it against (server ` +
        'rendering?): use the manager in the browser, or give an absolute baseUrl',
    );
  };
  const idle: SessionSnapshot = Object.freeze({
    status: 'idle',
    session: null,
    error: null,
    storage: storageKindOf(options.storage ?? 'indexeddb'),
    pendingUpdates: 0,
    change: null,
    storageError: null,
  });
  return {
    ready: refuse,
    update: refuse,
    identify: refuse,
    fetch: refuse,
    reset: refuse,
    getSnapshot: () => idle,
    // Nothing ever changes here.
    subscribe: () => () => {},
    destroy: () => {},
    queryKey: ['gkc-session', baseUrl.replace(/\/+$/, ''), options.tenantId ?? null],
  };
}
