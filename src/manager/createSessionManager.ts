import { syncedFields } from '../core/fields.js';
import { DestroyedError } from '../errors.js';
import { identityValues, pickValues, visitValues } from '../http/checks.js';
import { transportOf } from '../http/client.js';
import { needsPage } from '../http/serverUrl.js';
import { fetchUnderSession, type SessionFetchContext } from '../http/underSession.js';
import { watchWebEngagement } from '../io/webEngagement.js';
import type { SessionManager, SessionManagerOptions } from '../types.js';
import { SessionDriver } from './driver.js';
import { resolveOptions } from './options.js';
import { pagelessManager } from './pageless.js';

/**
 * Creates a session manager. Validates the options (a `TypeError` names the bad one) and does nothing else:
 * no storage, network, lock or channel is touched until `ready()` (or a method that needs the session).
 *
 * @example
 * const manager = createSessionManager({ baseUrl: '/gks-server/v1', customerId: user?.id });
 * const { sessionId } = await manager.ready();
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  // Server rendering: a path has nothing to resolve against yet.
  if (needsPage(options?.baseUrl)) return pagelessManager(options);
  const resolved = resolveOptions(options);
  const manager = new SessionDriver(resolved, () =>
    resolved.webEngagement
      ? watchWebEngagement((ids) => {
          const values = pickValues(ids);
          const shown = manager.snapshot.session;
          // Only what changed: the tracker answers the same ids on every focus.
          if (syncedFields.some((field) => values[field] !== undefined && values[field] !== shown?.[field]))
            manager.change(values).catch(() => {}); // a refusal is reported in the snapshot
        })
      : () => {},
  );

  const carrier: SessionFetchContext = {
    server: resolved.server,
    transport: transportOf(resolved.fetch),
    timeoutMs: resolved.timeoutMs,
    signal: manager.signal,
    ready: () => manager.ready(),
    recover: (lostId) => manager.recover(lostId),
  };

  // Plain functions, so they can be passed around unbound: useSyncExternalStore(manager.subscribe, ...).
  return {
    ready: () => manager.ready(),
    getSnapshot: () => manager.snapshot,
    subscribe: (listener) => manager.subscribe(listener),
    update: async (patch) => manager.change(visitValues(patch)),
    identify: async (identity) => manager.change(identityValues(identity)),
    fetch: (input, init) =>
      manager.destroyed ? Promise.reject(new DestroyedError()) : fetchUnderSession(carrier, input, init),
    reset: async () => {
      await manager.replace('reset');
      return manager.ready();
    },
    destroy: () => manager.destroy(),
    queryKey: manager.queryKey,
  };
}
