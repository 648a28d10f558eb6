import { belongs } from './absorb.js';
import { held } from './cut.js';
import {
  type CutReason,
  cuts,
  type FieldValues,
  identityFields,
  isIdentity,
  type SyncedField,
  servesCustomer,
  syncedFields,
} from './fields.js';
import { expired, expiredAt, timesOf } from './lifetime.js';
import type { PendingChanges, StoredRecord } from './record.js';
import type { CoreState } from './state.js';

/**
 * The decisions of the session core, as pure functions of the state (and the stored record just read under
 * the lock). The manager runs them under the cross-tab lock, after the store has been read and taken in, so
 * that every tab decides on the same facts: this is what makes a Create happen once per browser, one recovery
 * per lost session, and each change sent by one tab.
 */

/** What a call of `update()` or `identify()` comes to. */
export type ChangeDecision =
  /** The session already holds every value given, acknowledged: nothing to send. */
  | { type: 'held' }
  /** These values change (those the session already holds are left out). */
  | { type: 'change'; values: FieldValues }
  /** Another customer than the session's: a new session, created for them, with these values. */
  | { type: 'switch'; values: FieldValues };

/**
 * Decides a call of `update()` or `identify()` with `values`, before anything is dispatched. A value the
 * session holds acknowledged, with no other value pending, is nothing to send; before a session is known the
 * store read decides that instead (a restore drops what the stored session holds).
 */
export function decideChange(state: CoreState, values: FieldValues): ChangeDecision {
  const { session, pending } = state;
  const changes: FieldValues = {};
  for (const field of syncedFields) {
    const value = values[field];
    if (value !== undefined && !(session?.[field] === value && !pending[field])) changes[field] = value;
  }
  if (session && Object.keys(changes).length === 0) return { type: 'held' };
  // One customer's session is never reused for another.
  return servesCustomer(session?.customerId, changes.customerId)
    ? { type: 'change', values: changes }
    : { type: 'switch', values: changes };
}

/** Why the manager takes the lock. */
export type Intent =
  /** A session is needed (`ready()`). */
  | { type: 'establish' }
  /** This manager has changes to send. */
  | { type: 'deliver' }
  /** Check the session with the server, unless a manager did so at or after `since`. */
  | { type: 'check'; sessionId: string; since: number }
  /** The server said it does not know `sessionId` (a Retrieve, an Update or a Knowledge call). */
  | { type: 'lost'; sessionId: string }
  /** `reset()` or a customer switch. */
  | { type: 'replace'; reason: CutReason };

export type Plan =
  | { type: 'none' }
  | { type: 'create'; reason: 'created' | 'not-found'; sent: PendingChanges }
  /** Forget the session in every tab (a new epoch), then create its successor with `sent`. */
  | { type: 'replace'; reason: CutReason; sent: PendingChanges }
  /** The session outlived its lifetime: its successor, created with `sent` (all it held), cutting nothing. */
  | { type: 'renew'; sent: PendingChanges }
  | { type: 'retrieve'; sessionId: string; identity: FieldValues }
  | { type: 'send'; sessionId: string; sent: PendingChanges; identity: FieldValues }
  /** Changes left by a manager that is gone: this one sends them from now on. */
  | { type: 'take-over'; fields: SyncedField[] };

const none: Plan = { type: 'none' };

/**
 * What to do for `intent`. `record` is the store as just read (already taken into `state`); `alive` says
 * whether the manager that owns a pending change still runs (in this page or another tab); `at` is the wall
 * clock of the read, against which the session's lifetime is judged (lifetime.ts; none without it).
 */
export function plan(
  state: CoreState,
  record: StoredRecord | null,
  intent: Intent,
  alive: (owner: string) => boolean,
  at?: number,
): Plan {
  const { session } = state;
  // Changes left by a manager that is gone are taken over first, by whichever manager holds the lock.
  const orphans = syncedFields.filter((field) => {
    const entry = state.pending[field];
    return entry !== undefined && entry.owner !== state.owner && !alive(entry.owner);
  });
  // Not while replacing: the new epoch cuts their identity first.
  if (orphans.length > 0 && intent.type !== 'check' && state.phase.name !== 'replacing')
    return { type: 'take-over', fields: orphans };
  switch (intent.type) {
    case 'replace':
      // Always a new session, even when another tab reset meanwhile: its successor may already carry an
      // identity given before this reset.
      return { type: 'replace', reason: intent.reason, sent: carried(state, intent.reason, record) };
    case 'establish':
      if (!session) return establish(state, record, at);
      if (!expiredAt(state, at)) return none;
      // The store moved on to a session not taken in here (another customer's): as good as none.
      return record?.session && record.session.sessionId !== session.sessionId
        ? establish(state, record, at)
        : renew(state, record);
    case 'lost':
      return session?.sessionId === intent.sessionId
        ? { type: 'create', reason: 'not-found', sent: carried(state, undefined, record) }
        : none;
    case 'check':
      // Nothing is sent on a session past its lifetime: the next use renews it.
      if (session?.sessionId !== intent.sessionId || state.checkedAt >= intent.since || expiredAt(state, at))
        return none;
      // The identity the session was acknowledged with: a change under way may be for another customer.
      return { type: 'retrieve', sessionId: session.sessionId, identity: identityOf(session, {}) };
    case 'deliver': {
      // The store moved on to a session not taken in here (another customer's): as good as none.
      if (!session || (record?.session && record.session.sessionId !== session.sessionId))
        return establish(state, record, at);
      const sent = own(state);
      if (Object.keys(sent).length === 0) return none;
      // The changes go to the successor, in its Create.
      if (expiredAt(state, at)) return renew(state, record);
      // One customer's session is never reused for another: a new session, created for them.
      if (!servesCustomer(session.customerId, sent.customerId?.value))
        return {
          type: 'replace',
          reason: 'customer-changed',
          sent: carried(state, 'customer-changed', record),
        };
      return { type: 'send', sessionId: session.sessionId, sent, identity: identityOf(session, sent) };
    }
  }
}

function establish(state: CoreState, record: StoredRecord | null, at: number | undefined): Plan {
  // A reset or customer switch of this manager is under way: it makes the session.
  if (state.phase.name === 'replacing') return none;
  const stored = record?.session;
  // A stored session this manager's could be, not taken in because past its lifetime: renewed.
  if (
    stored &&
    state.lifetime &&
    at !== undefined &&
    belongs(state, stored) &&
    expired(timesOf(record), at, state.lifetime)
  )
    return renew(state, record);
  // Any other stored session that was not taken in belongs to another customer: it is forgotten first.
  if (stored)
    return { type: 'replace', reason: 'customer-changed', sent: carried(state, 'customer-changed', record) };
  return { type: 'create', reason: 'created', sent: carried(state, undefined, record) };
}

/** The successor of an expired session (the stored one, or this manager's, the same): a new visit. */
function renew(state: CoreState, record: StoredRecord | null): Plan {
  return { type: 'renew', sent: carried(state, 'expired', record) };
}

/** This manager's pending changes: what it, and only it, sends. */
export function own(state: CoreState): PendingChanges {
  const changes: PendingChanges = {};
  for (const field of syncedFields) {
    const entry = state.pending[field];
    if (entry?.owner === state.owner) changes[field] = entry;
  }
  return changes;
}

/**
 * What a new session is created with: every pending visit value (whoever made it: a Create acknowledges it
 * for all), this manager's pending identity, and what the current session and the one being replaced hold,
 * less the identity a reset cuts (or the customer a switch replaces); an expiry cuts nothing.
 */
export function carried(
  state: CoreState,
  cut?: CutReason | 'expired',
  stored?: StoredRecord | null,
): PendingChanges {
  const own = held(state);
  const sent: PendingChanges = {};
  for (const field of syncedFields) {
    // What the session holds: this manager's, or the stored one where it holds a later value (another tab
    // may have moved on, or made the session being replaced, since). Another customer's identity never.
    let value = own[field];
    let stamp = state.stamps[field] ?? 0;
    const theirs = stored?.session?.[field];
    const theirStamp = stored?.stamps[field] ?? 0;
    if (theirs !== undefined && (cut || !isIdentity(field)) && (value === undefined || theirStamp > stamp)) {
      value = theirs;
      stamp = theirStamp;
    }
    if (cut && cut !== 'expired' && cuts(cut, field)) value = undefined;
    // Nor an identity the session holds from before this manager's latest reset.
    if (isIdentity(field) && value !== undefined && stamp < state.resetAt) value = undefined;
    // An identity given before this manager's latest reset is never carried, whoever gave it; a pending
    // value older than what the session holds (another tab's later change) is not either.
    const entry = state.pending[field];
    const usable =
      entry &&
      entry.stamp >= (value === undefined ? 0 : stamp) &&
      (!isIdentity(field) || (entry.owner === state.owner && entry.stamp >= state.resetAt));
    if (usable) sent[field] = entry;
    else if (value !== undefined) sent[field] = { value, stamp, owner: state.owner };
  }
  return sent;
}

/** The identity headers of a call: the identity being sent, else the one the session holds. */
function identityOf(session: FieldValues, sent: PendingChanges): FieldValues {
  const identity: FieldValues = {};
  for (const field of identityFields) {
    const value = sent[field]?.value ?? session[field];
    if (value !== undefined) identity[field] = value;
  }
  return identity;
}
