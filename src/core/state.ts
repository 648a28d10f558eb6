import type { StorageError } from '../errors.js';
import type { Capability, SessionChange, SessionChangeReason, SessionInfo, StorageKind } from '../types.js';
import { type CutReason, type FieldValues, type SyncedField, syncedFields } from './fields.js';
import type { Lifetime } from './lifetime.js';
import type { PendingChanges, Stamps, StoredRecord } from './record.js';
/**
 * The session core: one manager's state, the closed set of events that change it, and `reduce`. Pure: no I/O,
 * promises or timers. The manager (`manager/driver.ts`) does the I/O and feeds its outcomes back as events;
 * what to do next is decided by the plans in `plan.ts`, from this state alone.
 */

/**
 * Where the manager is on its way to a session. `starting`: there is none, and one is being found or made; the
 * driver begins its start (one store read, then the lock if need be) whenever the phase moves there, so that
 * nothing but the phase marks a start under way.
 */
export type Phase =
  | { name: 'idle' }
  /** `carry`: the visit values of a session another tab forgot, for whichever tab creates its successor. */
  | { name: 'starting'; carry?: FieldValues }
  | { name: 'ready' }
  /**
   * This manager is making a new session for `reason`, carrying the visit values `carry`; an identity
   * stamped before `since` (the call) is never carried, whichever tab gave it. `expired`: the session
   * outlived its lifetime; its successor carries everything, identity included (`since` 0).
   */
  | { name: 'replacing'; reason: CutReason | 'expired'; carry: FieldValues; since: number }
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
  readonly refusals: Partial<Record<SyncedField, { stamp: number; error: Error }>>;
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
  /** The browser capabilities that refused, each told once: the manager goes on without them. */
  readonly unavailable: readonly Capability[];
  readonly change: SessionChange | null;
  /** The session's lifetime (the options'); null: sessions last as long as the server keeps them. */
  readonly lifetime: Lifetime | null;
  /** When the session was established, and last used in any tab as recorded, on the wall clock (lifetime.ts). */
  readonly bornAt: number;
  readonly activeAt: number;
}

/** Everything that can happen to a manager. `remote` marks what another tab or manager did. */
export type CoreEvent =
  /** `ready()` (or a method that needs the session) found no session: start, or start again after a failure. */
  | { type: 'start' }
  /** The stored record, read from the store or received from another manager, at `at` (the wall clock). */
  | { type: 'record'; record: StoredRecord | null; remote: boolean; restore?: boolean; at: number }
  /** `update()` or `identify()`: new values, stamped at `now`. */
  | { type: 'change'; values: FieldValues; now: number; random: number }
  /** The server acknowledged `sent` on the current session (an Update), answering `session`. */
  | { type: 'acknowledged'; session: SessionInfo; sent: PendingChanges }
  /**
   * A new session: created with `sent` (a Create), or put by the server in place of the current one; `now`
   * stamps, `at` (the wall clock) starts its lifetime.
   */
  | {
      type: 'established';
      session: SessionInfo;
      sent: PendingChanges;
      reason: SessionChangeReason;
      epoch: number;
      now: number;
      random: number;
      at: number;
    }
  /** The server confirmed the current session (a Retrieve answered with its id) at `now`. */
  | { type: 'checked'; session: SessionInfo; now: number }
  /** A reset or customer switch begins here: identity changes made so far are cut; the session is forgotten. */
  | { type: 'cut'; reason: CutReason; now: number }
  /** The session outlived its lifetime (decided under the lock): its successor is being created. */
  | { type: 'expired' }
  /** This manager forgot the session in the store, at `epoch`: the successor is being created. */
  | { type: 'forgotten'; reason: CutReason; epoch: number; carry: PendingChanges }
  /** The server refused `sent` for good. */
  | { type: 'refused'; sent: PendingChanges; error: Error }
  /** Pending changes whose tab is gone: this manager sends them from now on. */
  | { type: 'took-over'; fields: (typeof syncedFields)[number][] }
  | { type: 'failed'; error: Error }
  | { type: 'storage-failed'; error: StorageError }
  /** A browser capability refused (threw, or rejected): the manager goes on without it. */
  | { type: 'unavailable'; capability: Capability; error: Error }
  | { type: 'destroyed' };

export function initialState(
  owner: string,
  values: FieldValues,
  storage: StorageKind,
  now: number,
  lifetime: Lifetime | null = null,
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
    unavailable: [],
    change: null,
    lifetime,
    bornAt: 0,
    activeAt: 0,
  };
}

/** A change is acknowledged once the session holds a value of that field stamped as late or later. */
export function settled(state: CoreState): CoreState {
  if (!state.session) return state;
  let pending: PendingChanges | null = null;
  for (const field of syncedFields) {
    const entry = state.pending[field];
    if (entry && entry.stamp <= (state.stamps[field] ?? 0)) {
      pending ??= { ...state.pending };
      delete pending[field];
    }
  }
  return pending ? { ...state, pending } : state;
}

export function changed(
  state: CoreState,
  sessionId: string,
  reason: SessionChangeReason,
  remote: boolean,
): SessionChange {
  return { reason, sessionId, previousSessionId: state.change?.sessionId ?? null, remote };
}
