import type { SessionInfo, SessionSnapshot } from '../types.js';
import { syncedFields } from './fields.js';
import { valuesOf } from './record.js';
import type { CoreState, Phase } from './state.js';

/** What the application sees of the core state: the snapshot, and the session as shown. */

/** The session as shown: what the server acknowledged, with every pending value over it. */
export function shownSession(state: CoreState): SessionInfo | null {
  if (!state.session) return null;
  return { ...state.session, ...valuesOf(state.pending) };
}

/** Changes kept that the server has not acknowledged yet, in this tab or another. */
export function pendingCount(state: CoreState): number {
  return syncedFields.filter((field) => state.pending[field] !== undefined).length;
}

/** The public snapshot of a state, given the previous snapshot (kept when nothing visible changed). */
export function toSnapshot(state: CoreState, previous: SessionSnapshot | null): SessionSnapshot {
  const shown = shownSession(state);
  const session =
    previous?.session && shown && sameFields(previous.session, shown)
      ? previous.session
      : shown && Object.freeze(shown);
  const next: SessionSnapshot = {
    status: statuses[state.phase.name],
    session,
    error: state.error,
    storage: state.storage,
    pendingUpdates: pendingCount(state),
    change: state.change,
    storageError: state.storageError,
  };
  if (previous && sameFields(previous, next)) return previous;
  return Object.freeze(next);
}

/** The status of each phase; `starting` and `replacing` show as `starting`. */
const statuses: Record<Phase['name'], SessionSnapshot['status']> = {
  idle: 'idle',
  starting: 'starting',
  ready: 'ready',
  replacing: 'starting',
  failed: 'error',
  destroyed: 'destroyed',
};

/** Whether two objects hold the same fields with the same values (a snapshot, a session). */
function sameFields<T extends object>(a: T, b: T): boolean {
  const keys = Object.keys(a) as (keyof T)[];
  return keys.length === Object.keys(b).length && keys.every((key) => Object.is(a[key], b[key]));
}
