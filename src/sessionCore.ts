import { SessionResetError, type StorageError } from './errors.js';
import type { SessionInfo } from './schemas.js';
import {
  type FieldValues,
  identityFields,
  isIdentity,
  latest,
  maxStamps,
  nextStamp,
  type PendingChanges,
  type Stamps,
  type StoredRecord,
  syncedFields,
} from './sessionRecord.js';
import type { SessionChange, SessionChangeReason } from './sessionState.js';
import type { StorageKind } from './sessionStore.js';
import { absorb, changed, cut, settled } from './stateTransitions.js';

/**
 * The session core: one manager's state, the closed set of events that change it, and `reduce`. Pure: no I/O,
 * promises or timers. The manager (`sessionManager.ts`) does the I/O and feeds its outcomes back as events;
 * what to do next is decided by the plans in `sessionPlan.ts`, from this state alone.
 */

export type Phase =
  | { name: 'idle' }
  /** `carry`: the visit values of a session another tab forgot, for whichever tab creates its successor. */
  | { name: 'starting'; carry?: FieldValues }
  | { name: 'ready' }
  /**
   * This manager is making a new session for `reason`, carrying the visit values `carry`; an identity
   * stamped before `since` (the call) is never carried, whichever tab gave it.
   */
  | { name: 'replacing'; reason: 'reset' | 'customer-changed'; carry: FieldValues; since: number }
  | { name: 'failed' }
  | { name: 'destroyed' };

export interface CoreState {
  readonly phase: Phase;
  /** This manager's id: the owner of the changes it made. */
  readonly owner: string;
  /** The session as the server acknowledged it (here or in another tab); null when there is none. */
  readonly session: SessionInfo | null;
  readonly stamps: Stamps;
  /** The newest unacknowledged value of each field, whoever made it. */
  readonly pending: PendingChanges;
  /** The epoch of the stored record this state follows; null until the store has been read. */
  readonly epoch: number | null;
  /** The latest stamp seen or made. */
  readonly clock: number;
  /** Changes of this manager the server refused, or a reset cut: their callers are rejected with `error`. */
  readonly refusals: Partial<Record<(typeof syncedFields)[number], { stamp: number; error: Error }>>;
  readonly checkedAt: number;
  /**
   * The latest stamp of each field acknowledged on any session this manager heard of: a caller whose change
   * was superseded by a later one settles when that one is acknowledged, even on a session not taken in here.
   */
  readonly settledAt: Stamps;
  /** When this manager's latest reset was called: no identity stamped before it is carried from then on. */
  readonly resetAt: number;
  /**
   * When the newest record taken in was saved: one saved before it (a message overtaken by a later write)
   * cannot move the session back.
   */
  readonly recordAt: number;
  readonly error: Error | null;
  readonly storage: StorageKind;
  readonly storageError: StorageError | null;
  readonly change: SessionChange | null;
}

/** Everything that can happen to a manager. `remote` marks what another tab or manager did. */
export type CoreEvent =
  /** `ready()` (or a method that needs the session) found no session: start, or start again after a failure. */
  | { type: 'start' }
  /** The stored record, read from the store or received from another manager. */
  | { type: 'record'; record: StoredRecord | null; remote: boolean; restore?: boolean }
  /** `update()` or `identify()`: new values, stamped at `now`. */
  | { type: 'change'; values: FieldValues; now: number; random: number }
  /** The server acknowledged `sent` on the current session (an Update), answering `session`. */
  | { type: 'acknowledged'; session: SessionInfo; sent: PendingChanges }
  /** A new session: created with `sent` (a Create), or put by the server in place of the current one. */
  | {
      type: 'established';
      session: SessionInfo;
      sent: PendingChanges;
      reason: SessionChangeReason;
      epoch: number;
      now: number;
      random: number;
    }
  /** The server confirmed the current session (a Retrieve answered with its id) at `now`. */
  | { type: 'checked'; session: SessionInfo; now: number }
  /** A reset or customer switch begins here: identity changes made so far are cut; the session is forgotten. */
  | { type: 'cut'; reason: 'reset' | 'customer-changed'; now: number }
  /** This manager forgot the session in the store, at `epoch`: the successor is being created. */
  | { type: 'forgotten'; reason: 'reset' | 'customer-changed'; epoch: number; carry: PendingChanges }
  /** The server refused `sent` for good. */
  | { type: 'refused'; sent: PendingChanges; error: Error }
  /** Pending changes whose tab is gone: this manager sends them from now on. */
  | { type: 'took-over'; fields: (typeof syncedFields)[number][] }
  | { type: 'failed'; error: Error }
  | { type: 'storage-failed'; error: StorageError }
  | { type: 'destroyed' };

/** The stamp of a value the server gave before any tab set one: later than none, earlier than any change. */
const minimumStamp = 1e-6;
/** Far below the spacing of two changes (`nextStamp` steps by at least 0.001). */
const takeOverStep = 1e-6;

export function initialState(
  owner: string,
  values: FieldValues,
  storage: StorageKind,
  now: number,
): CoreState {
  const pending: PendingChanges = {};
  // The options' values are this page's first changes: sent unless the stored session already holds them.
  for (const field of syncedFields) {
    const value = values[field];
    if (value !== undefined) pending[field] = { value, stamp: now, owner };
  }
  return {
    phase: { name: 'idle' },
    owner,
    session: null,
    stamps: {},
    pending,
    epoch: null,
    clock: now,
    refusals: {},
    checkedAt: 0,
    settledAt: {},
    resetAt: 0,
    recordAt: 0,
    error: null,
    storage,
    storageError: null,
    change: null,
  };
}

export function reduce(state: CoreState, event: CoreEvent): CoreState {
  if (state.phase.name === 'destroyed') return state;
  switch (event.type) {
    case 'start':
      return state.phase.name === 'idle' || state.phase.name === 'failed'
        ? { ...state, phase: { name: 'starting' } }
        : state;
    case 'record':
      if (event.record) return absorb(state, event.record, event.remote, event.restore ?? false);
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
    case 'destroyed':
      return { ...state, phase: { name: 'destroyed' } };
  }
}

function stampsOf(changes: PendingChanges): Stamps {
  const stamps: Stamps = {};
  for (const field of syncedFields) {
    const entry = changes[field];
    if (entry) stamps[field] = entry.stamp;
  }
  return stamps;
}

export function valuesOf(changes: PendingChanges): FieldValues {
  const values: FieldValues = {};
  for (const field of syncedFields) {
    const entry = changes[field];
    if (entry) values[field] = entry.value;
  }
  return values;
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
