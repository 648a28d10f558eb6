import type { StoredRecord } from './record.js';

/**
 * A session's lifetime: how long it may go unused, and how old it may grow, agreed across tabs through the
 * times the stored record keeps (`bornAt`, `activeAt`). Pure: the time comes in as `now`, on the wall clock
 * (`Date.now()`), which counts the hours a laptop slept; `performance.now()` stops while the system sleeps in
 * most browsers (MDN, "Ticking during sleep"), so a tab loaded before the sleep would see no idle time at all.
 */
export interface Lifetime {
  /** A session no tab has used for this long ends; Infinity for never. */
  readonly idleMs: number;
  /** A session this old ends, however busy; Infinity for never. */
  readonly maxAgeMs: number;
}

/** When a session was established, and when a tab last recorded a use of it, on the wall clock. */
export interface SessionTimes {
  readonly bornAt: number;
  readonly activeAt: number;
}

/** What the decisions read of a manager's state (`CoreState`, which holds these as they were recorded). */
export interface LifetimeState extends SessionTimes {
  readonly session: object | null;
  readonly lifetime: Lifetime | null;
}

/**
 * How far the recorded activity may lag the last use: a use is written only once the recorded one is a tenth
 * of the idle timeout old, so that a busy page costs at most ten writes per timeout (twenty an hour for 30
 * minutes) instead of one per request, while the end of a session moves by at most that tenth.
 */
export function grainOf(lifetime: Lifetime): number {
  return lifetime.idleMs / 10;
}

/**
 * Whether a session with these times has outlived `lifetime` at `now`. Idle is counted from the recorded
 * activity plus the grain by which it may lag: a session ends between `idleMs` and 1.1 × `idleMs` after its
 * last use in any tab, never before. Times later than `now` (beyond a small tolerance for clock adjustments)
 * mean the clock was set back: elapsed time cannot be measured across the jump, and a session is renewed rather
 * than stretched by it.
 */
export function expired(times: SessionTimes, now: number, lifetime: Lifetime): boolean {
  const skew = Math.min(60_000, lifetime.idleMs / 10, lifetime.maxAgeMs / 10);
  return (
    Math.max(times.bornAt, times.activeAt) > now + skew ||
    now - times.bornAt >= lifetime.maxAgeMs ||
    now - times.activeAt >= lifetime.idleMs + grainOf(lifetime)
  );
}

/**
 * A stored record's times. A record written by a version without lifetimes has none: its session counts as
 * born and last used when the record was last written, the latest moment anyone can vouch for.
 */
export function timesOf(record: StoredRecord): SessionTimes {
  return { bornAt: record.bornAt || record.savedAt, activeAt: record.activeAt || record.savedAt };
}

/** Whether the state's session has outlived the manager's lifetime at `now` (never without a lifetime). */
export function expiredAt(state: LifetimeState, now: number | undefined): boolean {
  return (
    state.session !== null && !!state.lifetime && now !== undefined && expired(state, now, state.lifetime)
  );
}

/**
 * Whether a use at `now` is to be recorded: an idle timeout is set, the session is within its lifetime (a use
 * after the limit renews it instead), and the activity recorded is a grain old.
 */
export function activityDue(state: LifetimeState, now: number): boolean {
  const { lifetime } = state;
  // Without an idle timeout the grain is infinite: nothing is ever due.
  return (
    !!lifetime &&
    !!state.session &&
    !expired(state, now, lifetime) &&
    now - state.activeAt >= grainOf(lifetime)
  );
}
