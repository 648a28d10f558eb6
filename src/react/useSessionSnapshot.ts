import { useSyncExternalStore } from 'react';
import type { SessionManager, SessionSnapshot } from '../index.js';

/**
 * What is shown while there is no manager: on the server, while hydrating, and in the first render on the
 * client, before the effect that creates one has run. One frozen object, so that the server's markup and the
 * client's first render agree (no hydration mismatch) and `useSyncExternalStore` sees no change. Its
 * `storage` is 'memory': nothing is stored anywhere yet.
 */
export const idleSnapshot: SessionSnapshot = Object.freeze({
  status: 'idle',
  session: null,
  error: null,
  storage: 'memory',
  pendingUpdates: 0,
  change: null,
  storageError: null,
});

const idle = () => idleSnapshot;
const none = () => () => {};

/**
 * The snapshot of `manager`, re-rendering on every change; {@link idleSnapshot} while `manager` is null and
 * during server rendering and hydration (`getServerSnapshot`). It only observes: it neither starts nor
 * destroys the manager.
 *
 * @example
 * // a manager created outside React, by the page's bootstrap code
 * const { status, session } = useSessionSnapshot(manager);
 */
export function useSessionSnapshot(manager: SessionManager | null): SessionSnapshot {
  // A manager's subscribe and getSnapshot are plain functions, the same for its whole life: React
  // resubscribes only when the manager changes.
  return useSyncExternalStore(manager?.subscribe ?? none, manager?.getSnapshot ?? idle, idle);
}
