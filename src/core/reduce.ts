import { SessionResetError } from '../errors.js';
import { absorb } from './absorb.js';
import { cut, held } from './cut.js';
import { type FieldValues, identityFields, isIdentity, syncedFields } from './fields.js';
import { latest, maxStamps, nextStamp, stampsOf, valuesOf } from './record.js';
import { type CoreEvent, type CoreState, changed, settled } from './state.js';

/** The stamp of a value the server gave before any tab set one: later than none, earlier than any change. */
const minimumStamp = 1e-6;
/** Far below the spacing of two changes (`nextStamp` steps by at least 0.001). */
const takeOverStep = 1e-6;

export function reduce(state: CoreState, event: CoreEvent): CoreState {
  if (state.phase.name === 'destroyed') return state;
  switch (event.type) {
    case 'start':
      return state.phase.name === 'idle' || state.phase.name === 'failed'
        ? { ...state, phase: { name: 'starting' } }
        : state;
    case 'record':
      if (event.record) return absorb(state, event.record, event.remote, event.restore ?? false, event.at);
      // An empty store is epoch 0: a reset elsewhere from now on cuts what this manager identified.
      return state.epoch === null ? { ...state, epoch: 0 } : state;
    case 'change': {
      const pending = { ...state.pending };
      const stamp = nextStamp(state.clock, event.now, event.random);
      for (const field of syncedFields) {
        const value = event.values[field];
        if (value !== undefined) pending[field] = { value, stamp, owner: state.owner };
      }
      const reason = identityFields.some((field) => event.values[field] !== undefined)
        ? 'identified'
        : 'updated';
      // Reported when made: the acknowledgement only confirms it.
      const change = state.session ? changed(state, state.session.sessionId, reason, false) : state.change;
      return settled({ ...state, pending, clock: stamp, change });
    }
    case 'acknowledged': {
      // An answer for a session this manager has left (it moved on meanwhile) acknowledges nothing here.
      if (state.session?.sessionId !== event.session.sessionId) return state;
      const sentStamps = stampsOf(event.sent);
      const answered = { ...event.session, ...valuesOf(event.sent) };
      return settled({
        ...state,
        session: latest(state.session, state.stamps, answered, sentStamps),
        stamps: maxStamps(state.stamps, sentStamps),
        error: null,
      });
    }
    case 'established': {
      const sentStamps = stampsOf(event.sent);
      // A Create begun before this manager's reset or switch was asked lands: the replacement still comes.
      const pendingReplace = state.phase.name === 'replacing' && state.phase.reason !== event.reason;
      let next: CoreState = {
        ...state,
        phase: pendingReplace ? state.phase : { name: 'ready' },
        session: { ...event.session, ...valuesOf(event.sent) },
        stamps: sentStamps,
        epoch: event.epoch,
        checkedAt: 0,
        error: null,
        change: changed(state, event.session.sessionId, event.reason, false),
        bornAt: event.at,
        activeAt: event.at,
      };
      // What the old session held and the new one lacks (a Retrieve carries no visit data) is sent again,
      // as old as it was: a later value set meanwhile, here or elsewhere, still wins.
      const pending = { ...next.pending };
      const clock = Math.max(state.clock, ...Object.values(sentStamps));
      for (const field of syncedFields) {
        const value = state.session?.[field];
        if (value === undefined || pending[field] || next.session?.[field] !== undefined) continue;
        if (event.reason === 'reset' && isIdentity(field)) continue;
        const stamp = Math.max(state.stamps[field] ?? 0, minimumStamp);
        pending[field] = { value, stamp, owner: state.owner };
      }
      next = { ...next, pending, clock };
      return settled(next);
    }
    case 'checked':
      if (state.session?.sessionId !== event.session.sessionId) return state;
      // A server that does not echo every value still holds the ones it acknowledged: ours win on a tie.
      return {
        ...state,
        session: latest(state.session, { ...state.stamps }, event.session, {}),
        checkedAt: event.now,
      };
    case 'cut':
      return {
        ...cut(state, event.reason, state.epoch ?? 0, event.now),
        resetAt: event.reason === 'reset' ? event.now : state.resetAt,
      };
    case 'expired': {
      // As a cut that cuts nothing: the session is left, and everything it held goes to its successor.
      const values = held(state);
      const carry: FieldValues = {};
      for (const field of syncedFields) if (values[field] !== undefined) carry[field] = values[field];
      return {
        ...state,
        phase: { name: 'replacing', reason: 'expired', carry, since: 0 },
        session: null,
        stamps: {},
        checkedAt: 0,
      };
    }
    case 'forgotten': {
      // The new epoch cuts the identity others gave before it (this manager's own was cut at the call).
      // What the forgotten session held is kept as this manager's pending values: should it close before
      // the successor exists, whichever tab creates it takes them over and carries them.
      const pending = { ...state.pending };
      const refusals = { ...state.refusals };
      for (const field of identityFields) {
        const entry = pending[field];
        if (!entry || entry.owner === state.owner) continue;
        delete pending[field];
        // A change of this manager's it had superseded is cut with it.
        refusals[field] = { stamp: entry.stamp, error: new SessionResetError(event.reason) };
      }
      for (const field of syncedFields) {
        const carried = event.carry[field];
        if (!carried || carried.owner !== state.owner || pending[field]) continue;
        if (isIdentity(field) && carried.stamp < state.resetAt) continue;
        pending[field] = { ...carried, stamp: Math.max(carried.stamp, minimumStamp) };
      }
      return { ...state, pending, refusals, epoch: event.epoch };
    }
    case 'refused': {
      const pending = { ...state.pending };
      const refusals = { ...state.refusals };
      const stamps = { ...state.stamps };
      for (const field of syncedFields) {
        const sent = event.sent[field];
        if (!sent) continue;
        if (pending[field]?.stamp === sent.stamp) delete pending[field];
        refusals[field] = { stamp: sent.stamp, error: event.error };
        // Settled at that stamp, on the value the server kept: every tab's earlier change of the field,
        // superseded by the refused one, settles too.
        stamps[field] = Math.max(stamps[field] ?? 0, sent.stamp);
      }
      return { ...state, pending, refusals, stamps, error: event.error };
    }
    case 'took-over': {
      const pending = { ...state.pending };
      for (const field of event.fields) {
        const entry = pending[field];
        // A hair later than the change it takes over: the taker's entry wins wherever both meet, and the
        // change's own caller (if its tab still runs after all) settles when the taker's is acknowledged.
        if (entry) pending[field] = { ...entry, owner: state.owner, stamp: entry.stamp + takeOverStep };
      }
      return { ...state, pending };
    }
    case 'failed':
      // A reset or switch that failed leaves no session to use: the next `ready()` starts afresh.
      if (state.phase.name === 'replacing')
        return { ...state, error: event.error, phase: { name: 'failed' }, session: null };
      return {
        ...state,
        error: event.error,
        phase: state.session ? state.phase : { name: 'failed' },
      };
    case 'storage-failed':
      return { ...state, storage: 'memory', storageError: event.error, error: event.error };
    case 'unavailable':
      // Said once: a capability that refused is not asked again, and a second refusal changes nothing.
      return state.unavailable.includes(event.capability)
        ? state
        : { ...state, unavailable: [...state.unavailable, event.capability] };
    case 'destroyed':
      return { ...state, phase: { name: 'destroyed' } };
  }
}

/** Whether a change of the manager's own is no longer pending, and not because it was acknowledged. */
export function withdrew(before: CoreState, after: CoreState): boolean {
  return syncedFields.some((field) => {
    const entry = before.pending[field];
    return (
      entry?.owner === before.owner &&
      after.pending[field] !== entry &&
      (after.stamps[field] ?? 0) < entry.stamp
    );
  });
}
