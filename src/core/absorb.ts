import { SessionResetError } from '../errors.js';
import type { SessionInfo } from '../types.js';
import { cut } from './cut.js';
import { isIdentity, servesCustomer, syncedFields } from './fields.js';
import { expired, timesOf } from './lifetime.js';
import { latest, maxStamps, type StoredRecord } from './record.js';
import { type CoreState, changed, settled } from './state.js';

/** Taking in a stored record: the largest transition of `reduce` (reduce.ts), pure like it. */

/**
 * Takes in a stored record (a store read, or a message from another manager). A newer epoch cuts the identity
 * changes made before it; a session that belongs here and is not the current one is adopted, unless the record
 * was saved before one already taken in; the same session takes the later value of each field; pending
 * changes merge, the later stamp winning.
 */
export function absorb(
  state: CoreState,
  record: StoredRecord,
  remote: boolean,
  restore: boolean,
  at: number,
): CoreState {
  const overtaken = record.epoch <= (state.epoch ?? -1) && record.savedAt < state.recordAt;
  let next = state;
  if (state.epoch !== null && record.epoch > state.epoch) {
    next = cut(next, record.reason === 'customer-changed' ? 'customer-changed' : 'reset', record.epoch, null);
  } else if (state.epoch === null || record.epoch > state.epoch) {
    next = { ...next, epoch: record.epoch };
  }
  // The clock passes every stamp seen, acknowledged ones too: a change made here after is later than them.
  next = {
    ...next,
    settledAt: maxStamps(next.settledAt, record.stamps),
    clock: Math.max(next.clock, ...Object.values(record.stamps)),
    recordAt: Math.max(next.recordAt, record.savedAt),
  };
  const pending = { ...next.pending };
  const replacing = next.phase.name === 'replacing' ? next.phase : null;
  let clock = next.clock;
  for (const field of syncedFields) {
    const theirs = record.pending[field];
    const known = pending[field];
    // Another manager's change that its own later write no longer holds was withdrawn: acknowledged or
    // refused (the stamps say so) or cut; a change of this manager's that it superseded is cut with it.
    if (
      !theirs &&
      known &&
      known.owner !== state.owner &&
      (record.writers[known.owner] ?? 0) >= known.stamp
    ) {
      delete pending[field];
      const settledAt = Math.max(next.stamps[field] ?? 0, record.stamps[field] ?? 0);
      if (isIdentity(field) && settledAt < known.stamp) {
        const refusal = { stamp: known.stamp, error: new SessionResetError('reset') };
        next = { ...next, refusals: { ...next.refusals, [field]: refusal } };
      }
    }
    if (!theirs) continue;
    clock = Math.max(clock, theirs.stamp);
    const ours = pending[field];
    // Our own change, once sent and acknowledged, is not brought back by an older record.
    if (theirs.owner === state.owner && !ours) continue;
    if (record.epoch < (next.epoch ?? 0) && isIdentity(field)) continue;
    if (replacing && isIdentity(field) && theirs.stamp < replacing.since) continue;
    if (!ours || theirs.stamp > ours.stamp) {
      pending[field] = theirs;
    }
  }
  const stored = record.session;
  let settledAt = next.settledAt;
  if (restore && stored) {
    // This page's changes so far (its options, an identify called before the first read) may hold what the
    // stored session already has: nothing to send for those, and their callers are done.
    for (const field of syncedFields) {
      const entry = pending[field];
      if (entry?.owner === state.owner && !record.pending[field] && stored[field] === entry.value) {
        delete pending[field];
        settledAt = maxStamps(settledAt, { [field]: entry.stamp });
      }
    }
  }
  next = { ...next, pending, clock, settledAt };
  const times = timesOf(record);
  if (stored && record.epoch >= (next.epoch ?? 0)) {
    if (next.session?.sessionId === stored.sessionId) {
      next = {
        ...next,
        session: latest(next.session, next.stamps, stored, record.stamps),
        stamps: maxStamps(next.stamps, record.stamps),
        checkedAt: Math.max(next.checkedAt, record.checkedAt),
        // Another tab's use keeps the session alive here too.
        activeAt: Math.max(next.activeAt, times.activeAt),
      };
      // Another tab changed what the session shows: reported here too, as its change.
      const moved = syncedFields.filter((field) => shownValue(next, field) !== shownValue(state, field));
      if (moved.length > 0 && remote) {
        const reason = moved.some(isIdentity) ? 'identified' : 'updated';
        next = { ...next, change: changed(next, stored.sessionId, reason, true) };
      }
    } else if (
      belongs(next, stored) &&
      !replacing &&
      !overtaken &&
      !(next.lifetime && expired(times, at, next.lifetime))
    ) {
      // A session past its lifetime is not taken in: the plan that follows renews it (plan.ts).
      const reason = restore ? 'restored' : record.renewed ? 'expired' : record.reason;
      next = {
        ...next,
        ...times,
        phase: { name: 'ready' },
        session: stored,
        stamps: { ...record.stamps },
        checkedAt: record.checkedAt,
        error: null,
        change: changed(next, stored.sessionId, reason, remote && !restore),
      };
    }
  }
  return settled(next);
}

/** Whether `session` may be used here: not another customer's than the one this manager is identifying. */
export function belongs(state: CoreState, session: SessionInfo): boolean {
  const own = state.pending.customerId;
  return !own || own.owner !== state.owner || servesCustomer(session.customerId, own.value);
}

function shownValue(state: CoreState, field: (typeof syncedFields)[number]): string | undefined {
  return state.pending[field]?.value ?? state.session?.[field];
}
