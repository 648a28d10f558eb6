import { SessionResetError } from '../errors.js';
import { type CutReason, cuts, type FieldValues, identityFields, syncedFields } from './fields.js';
import type { CoreState } from './state.js';

/**
 * Cutting the identity: a reset or customer switch, here or in another tab. The session is forgotten; the
 * visit values are carried to its successor, the identity the cut ends is not.
 */

/** `local`: when this manager's own reset or switch was called; null when another tab's reached it. */
export function cut(state: CoreState, reason: CutReason, epoch: number, local: number | null): CoreState {
  const pending = { ...state.pending };
  const refusals = { ...state.refusals };
  const error = new SessionResetError(reason);
  // The visit goes on with the successor; the identity is cut (a customer switch keeps the agent).
  const carry: FieldValues = {};
  const values = held(state);
  for (const field of syncedFields) {
    const value = values[field];
    if (value !== undefined && !cuts(reason, field)) carry[field] = value;
  }
  for (const field of identityFields) {
    const entry = pending[field];
    // A customer switch made here keeps the identity it switches to.
    if (!entry || (local !== null && reason === 'customer-changed' && entry.owner === state.owner)) continue;
    delete pending[field];
    // Another tab's entry may have superseded one of this manager's: its caller is cut as well.
    refusals[field] = { stamp: entry.stamp, error };
  }
  return {
    ...state,
    pending,
    refusals,
    epoch,
    session: null,
    stamps: {},
    checkedAt: 0,
    // A reset under way here goes on whatever another tab did: it cuts what was given before it.
    phase:
      local !== null
        ? { name: 'replacing', reason, carry, since: local }
        : state.phase.name === 'replacing'
          ? state.phase
          : { name: 'starting', carry },
  };
}

/**
 * The values of the session, and of the one being replaced: a reset or switch carries them to the successor,
 * whether a second one is called before it is done, or a session lands meanwhile that lacks some of them
 * (8.5.1 answers an Update of a forgotten session with one holding only what the Update sent).
 */
export function held(state: CoreState): FieldValues {
  return { ...('carry' in state.phase && state.phase.carry), ...state.session };
}
