import { type SyncedField, syncedFields } from '../core/fields.js';
import { DestroyedError } from '../errors.js';
import { identityValues, pickValues, visitValues } from '../http/checks.js';
import { transportOf } from '../http/client.js';
import { fetchUnderSession, type SessionFetchContext } from '../http/underSession.js';
import { watchWebEngagement } from '../io/webEngagement.js';
import type { Identity, SessionInfo, SessionManager, SessionManagerOptions } from '../types.js';
import { SessionDriver } from './driver.js';
import { resolveOptions } from './options.js';

/**
 * Creates a session manager. Validates the options (a `TypeError` names the bad one) and does nothing else:
 * no storage, network, lock or channel is touched until `ready()` (or a method that needs the session).
 *
 * @example
 * const manager = createSessionManager({ baseUrl: '/gks-server/v1', customerId: user?.id });
 * const { sessionId } = await manager.ready();
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
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

  async function identify(identity: Identity): Promise<SessionInfo> {
    const values = identityValues(identity);
    const shown = manager.readySession();
    const { pending, session } = manager.core;
    const held = (field: SyncedField) =>
      values[field] === undefined || (values[field] === shown?.[field] && !pending[field]);
    if (shown && syncedFields.every(held)) return shown; // already acknowledged
    const customer = values.customerId;
    const holder = session?.customerId;
    // Without a session yet, the change is made now (a reset called next cuts it); the start decides.
    if (customer === undefined || holder === undefined || holder === customer) return manager.change(values);
    // One customer's session is never reused for another: a new session, created for the new customer.
    const done = manager.change(values, false);
    manager.replace('customer-changed').catch(() => {}); // the snapshot shows why; the caller hears from `done`
    return done;
  }

  // Plain functions, so they can be passed around unbound: useSyncExternalStore(manager.subscribe, ...).
  return {
    ready: () => manager.ready(),
    getSnapshot: () => manager.snapshot,
    subscribe: (listener) => manager.subscribe(listener),
    update: async (patch) => manager.change(visitValues(patch)),
    identify,
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
