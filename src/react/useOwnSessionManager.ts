import { useEffect, useRef, useState } from 'react';
import { createSessionManager, type SessionManager, type SessionManagerOptions } from '../index.js';

/** The options a manager follows after it was created. */
type Values = Pick<SessionManagerOptions, 'customerId' | 'agentId' | 'visitId' | 'globalVisitId'>;

/** The values each manager was last given: at creation, then by each change the effect below applied. */
const given = new WeakMap<SessionManager, Values>();

/**
 * Creates a session manager for the component's lifetime, starts it, and destroys it when the component
 * unmounts. Null until the component has mounted: on the server (effects do not run there, so nothing is
 * stored, locked or sent) and in the first render on the client.
 *
 * The manager is created in an effect and destroyed in that effect's cleanup, never in render: React's Strict
 * Mode (and Fast Refresh) run an effect, its cleanup and the effect again while keeping the component's
 * state, so a manager kept in state and destroyed in the cleanup would be a destroyed manager. Here the second
 * run creates a new one, which reuses the session the first began (one Create, not two).
 *
 * Options that change:
 * - `baseUrl` or `tenantId` (another server): a new manager; the old one is destroyed.
 * - `customerId` or `agentId` set or changed: `identify()` on the same manager. Taken away (a value, then
 *   `undefined`): a logout, `reset()`: a new anonymous session (with the identity still given, if any).
 * - `visitId` or `globalVisitId` set or changed: `update()`. Taken away: the session keeps its values.
 * - Any other option is read when the manager is created: a change takes effect with the next manager (give
 *   the component a new `key` to have one at once). Inline callbacks (`onEvent`, `fetch`) may thus be new
 *   functions on every render.
 *
 * Errors of the start and of the changes it sends show in the snapshot (`status: 'error'`, `error`); call
 * `manager.ready()` again to retry.
 *
 * @example
 * function HelpWidget({ user }: { user?: { id: string } }) {
 *   const manager = useOwnSessionManager({ baseUrl: '/gks-server/v1', customerId: user?.id });
 *   const { status, session } = useSessionSnapshot(manager);
 *   return <p>{status === 'ready' ? session?.sessionId : status}</p>;
 * }
 */
export function useOwnSessionManager(options: SessionManagerOptions): SessionManager | null {
  const [manager, setManager] = useState<SessionManager | null>(null);
  const latest = useRef(options);
  // Declared first, so it runs first: the effect below creates a manager with the options of this render.
  useEffect(() => {
    latest.current = options;
  });

  const server = `${String(options.baseUrl)}\n${options.tenantId ?? ''}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new manager for another server only; the other options are read from `latest`.
  useEffect(() => {
    const created = createSessionManager(latest.current);
    given.set(created, valuesOf(latest.current));
    setManager(created);
    created.ready().catch(() => {}); // shown in the snapshot
    return () => created.destroy();
  }, [server]);

  const { customerId, agentId, visitId, globalVisitId } = options;
  useEffect(() => {
    // A manager just destroyed for another server is not told: its successor was created with these values.
    if (manager && manager.getSnapshot().status !== 'destroyed')
      follow(manager, { customerId, agentId, visitId, globalVisitId });
  }, [manager, customerId, agentId, visitId, globalVisitId]);

  return manager;
}

function valuesOf({ customerId, agentId, visitId, globalVisitId }: Values): Values {
  return { customerId, agentId, visitId, globalVisitId };
}

/** Tells `manager` what changed since it was last given values. */
function follow(manager: SessionManager, next: Values): void {
  const before = given.get(manager) ?? {};
  given.set(manager, next);
  const changed = (fields: (keyof Values)[]) => {
    const values: Values = {};
    for (const field of fields) {
      const value = next[field];
      if (value !== undefined && value !== before[field]) values[field] = value;
    }
    return Object.keys(values).length > 0 ? values : undefined;
  };
  const ignore = () => {}; // the snapshot shows what failed

  const loggedOut =
    (before.customerId !== undefined && next.customerId === undefined) ||
    (before.agentId !== undefined && next.agentId === undefined);
  if (loggedOut) {
    // The identity still given goes to the new session, once there is one.
    const remaining = identityOf(next);
    manager
      .reset()
      .then(() => remaining && manager.identify(remaining))
      .catch(ignore);
  } else {
    const identity = changed(['customerId', 'agentId']);
    if (identity) manager.identify(identity).catch(ignore);
  }
  const visit = changed(['visitId', 'globalVisitId']);
  if (visit) manager.update(visit).catch(ignore);
}

function identityOf({ customerId, agentId }: Values): Values | undefined {
  const identity: Values = {};
  if (customerId !== undefined) identity.customerId = customerId;
  if (agentId !== undefined) identity.agentId = agentId;
  return Object.keys(identity).length > 0 ? identity : undefined;
}
