import { DestroyedError } from './errors.js';
import { resolveOptions, type SessionManagerOptions } from './options.js';
import type { SessionInfo } from './schemas.js';
import { type Identity, transportOf, type VisitData } from './sessionClient.js';
import { SessionDriver } from './sessionDriver.js';
import { fetchUnderSession, type SessionFetchContext } from './sessionFetch.js';
import { type SyncedField, syncedFields } from './sessionRecord.js';
import type { SessionSnapshot, SnapshotListener } from './sessionState.js';
import { identityValues, pickValues, visitValues } from './sessionValues.js';
import { watchWebEngagement } from './webEngagement.js';

/** The session layer of a Knowledge Center front end. See `createSessionManager`. */
export interface SessionManager {
  /** Resolves once a session is known: the stored one (no network wait) or a newly created one. */
  ready(): Promise<SessionInfo>;
  /** The current state; the same object until something changes. */
  getSnapshot(): SessionSnapshot;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: SnapshotListener): () => void;
  /** Changes visit values: shown at once, kept until the server acknowledges them, coalesced in bursts. */
  update(patch: VisitData): Promise<SessionInfo>;
  /** An anonymous session becomes a recognised one (same session); a different customer gets a new session. */
  identify(identity: Identity): Promise<SessionInfo>;
  /** Sends a Knowledge API request under the session (`sessionId`, `tenantId`, identity headers). */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Forgets the session in every tab and creates a new anonymous one (logout). */
  reset(): Promise<SessionInfo>;
  /** Stops the manager: aborts requests, releases lock, channel and storage, detaches listeners. Idempotent. */
  destroy(): void;
  /** Where the session lives in the QueryClient: `sessionQueryKey(baseUrl, tenantId)`. */
  readonly queryKey: readonly unknown[];
}

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
