import type { SessionEvent } from './options.js';
import type { CoreEvent, CoreState } from './sessionCore.js';
import { syncedFields } from './sessionRecord.js';

/** The `onEvent` trace: one line per core event, for the people debugging a widget. */

/** One line of the `onEvent` trace. */
export function traceOf(event: CoreEvent, state: CoreState, before: CoreState): SessionEvent {
  const sessionId = state.session?.sessionId ?? before.session?.sessionId ?? null;
  const changed = state.change !== before.change ? state.change : null;
  return {
    type: event.type,
    sessionId,
    reason: changed?.reason ?? (event.type === 'cut' ? event.reason : null),
    remote: changed?.remote ?? (event.type === 'record' && event.remote),
    phase: state.phase.name,
    pendingUpdates: syncedFields.filter((field) => state.pending[field]).length,
    error: event.type === 'failed' || event.type === 'refused' ? event.error : null,
  };
}

/** The application's callback must not break the manager: its error goes where uncaught errors go. */
export function report(call: () => void): void {
  try {
    call();
  } catch (error) {
    if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
    else console.error(error);
  }
}
