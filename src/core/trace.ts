import type { SessionEvent } from '../types.js';
import { pendingCount } from './snapshot.js';
import type { CoreEvent, CoreState } from './state.js';

/** The `onEvent` trace: one line per core event, for the people debugging a widget. */

/** One line of the `onEvent` trace. */
export function traceOf(event: CoreEvent, state: CoreState, before: CoreState): SessionEvent {
  const sessionId = state.session?.sessionId ?? before.session?.sessionId ?? null;
  const changed = state.change !== before.change ? state.change : null;
  return {
    type: event.type,
    sessionId,
    reason:
      changed?.reason ?? (event.type === 'cut' ? event.reason : event.type === 'expired' ? 'expired' : null),
    remote: changed?.remote ?? (event.type === 'record' && event.remote),
    phase: state.phase.name,
    pendingUpdates: pendingCount(state),
    capability:
      event.type === 'unavailable'
        ? event.capability
        : event.type === 'storage-failed' && before.storage === 'indexeddb'
          ? 'indexedDB'
          : null,
    error: 'error' in event ? event.error : null,
  };
}
