import type { SessionChangeReason, SessionInfo } from '../types.js';
import { type FieldValues, isIdentity, type SyncedField, syncedFields } from './fields.js';

/**
 * When a value was set, on one clock for the whole browser (see `nextStamp`): the later stamp wins, field by
 * field, whichever tab learns of the two values first.
 */
export type Stamps = Partial<Record<SyncedField, number>>;

/** A value the server has not acknowledged yet, and the manager (tab) that sends it. */
export interface PendingChange {
  value: string;
  stamp: number;
  owner: string;
}
export type PendingChanges = Partial<Record<SyncedField, PendingChange>>;

/**
 * What the store holds for one server, and what a manager tells the others: the same thing, so that a message
 * and a store read are taken in by the same code.
 *
 * - `session`: as the server acknowledged it; null while there is none yet, or after a reset forgot it.
 * - `epoch`: counts the identity cuts (resets, customer switches) of this browser: a change of identity made
 *   under an older epoch is never sent on the session of a newer one.
 * - `stamps`: when each acknowledged value was set; `pending`: the newest unacknowledged value of each field.
 * - `reason`: why `session` last changed; `checkedAt`: when a manager last checked it with the server.
 * - `writers`: the clock of each manager's last write: a change of that manager's the record no longer
 *   holds, stamped before it, was withdrawn by that manager (acknowledged, cut or refused), not lost in transit.
 * - `bornAt`, `activeAt`: when the session was established, and last used in any tab as recorded (the wall
 *   clock; lifetime.ts). `renewed`: the session succeeded one that outlived its lifetime; `reason` then says
 *   `created`, which versions of the library before lifetimes read (they read these optional fields past).
 */
export interface StoredRecord {
  v: 2;
  session: SessionInfo | null;
  epoch: number;
  stamps: Stamps;
  pending: PendingChanges;
  reason: Exclude<SessionChangeReason, 'expired'>;
  checkedAt: number;
  writers: Record<string, number>;
  savedAt: number;
  bornAt?: number | undefined;
  activeAt?: number | undefined;
  renewed?: number | undefined;
}

/**
 * A stamp later than every one seen: the time (`now`, in milliseconds, as fine as the page's clock gives),
 * unless the clock has already seen later; a random tail keeps two tabs' stamps of one instant apart.
 */
export function nextStamp(clock: number, now: number, random: number): number {
  return Math.max(now, clock + 0.001) + random * 0.0001;
}

/** A record with no session, no change and no writer: what an empty store stands for. */
export function emptyRecord(savedAt: number): StoredRecord {
  return {
    v: 2,
    session: null,
    epoch: 0,
    stamps: {},
    pending: {},
    reason: 'created',
    checkedAt: 0,
    writers: {},
    savedAt,
  };
}

/** What one manager puts in the record: its own pending changes and, when it has one, its session. */
export interface RecordWrite {
  owner: string;
  /** The writer's clock: later than every change it made so far. */
  clock: number;
  /** The writer's epoch; null when it has not seen one yet (a page that just loaded). */
  epoch: number | null;
  /**
   * Every pending change of the writer: its entries in the record are replaced by these. Absent for a use
   * recorded alone (`active`): the writer's entries and clock are left as stored, whatever it has made since.
   */
  pending?: PendingChanges;
  /** The session as the writer knows it acknowledged; absent to leave the stored one. */
  session?: {
    session: SessionInfo | null;
    stamps: Stamps;
    reason: SessionChangeReason;
    checkedAt: number;
    /** When the session was established (the wall clock); absent where the writer does not know. */
    bornAt?: number;
  };
  /** A use of `sessionId` at `at` (the wall clock): the record's activity, if that session is still stored. */
  active?: { sessionId: string; at: number };
}

/**
 * Merges one manager's write into the stored record, in one storage transaction (no other tab writes between
 * the read and the write). A write from an older epoch loses its identity changes and cannot put back a
 * forgotten session; the later stamp of each field wins; values the session already holds are not pending.
 */
export function mergeRecord(stored: StoredRecord | null, write: RecordWrite, now: number): StoredRecord {
  const record: StoredRecord = {
    ...(stored ?? emptyRecord(now)),
    stamps: { ...stored?.stamps },
    pending: {},
  };
  const own = write.pending;
  // Writers of the last ten minutes: long enough for every open tab to hear of them.
  record.writers = own ? { [write.owner]: write.clock } : {};
  for (const [owner, clock] of Object.entries(stored?.writers ?? {}))
    if ((owner !== write.owner || !own) && clock > now - 600_000) record.writers[owner] = clock;
  const stale = write.epoch !== null && write.epoch < record.epoch;
  const next = write.session;
  if (next && !stale) {
    const same = next.session !== null && record.session?.sessionId === next.session.sessionId;
    record.epoch = write.epoch ?? record.epoch;
    if (same && record.session && next.session) {
      record.session = latest(record.session, record.stamps, next.session, next.stamps);
      record.stamps = maxStamps(record.stamps, next.stamps);
      record.checkedAt = Math.max(record.checkedAt, next.checkedAt);
    } else {
      record.session = next.session;
      record.stamps = { ...next.stamps };
      record.checkedAt = next.checkedAt;
      // A new session is active from its birth. `expired` is stored as `created` (a Create made it) and
      // `renewed`: an older reader knows no `expired` and would discard the whole record.
      record.reason = next.reason === 'expired' ? 'created' : next.reason;
      record.bornAt = record.activeAt = next.bornAt;
      record.renewed = next.reason === 'expired' ? next.bornAt : undefined;
    }
  }
  const active = write.active;
  if (active && active.sessionId === record.session?.sessionId)
    record.activeAt = Math.max(record.activeAt ?? 0, active.at);
  // A new epoch (a reset, a customer switch) cuts the identity changes others made before it.
  const cut = stored !== null && record.epoch > stored.epoch;
  const candidates: PendingChange[][] = [];
  for (const field of syncedFields) {
    const kept = cut && isIdentity(field) ? undefined : stored?.pending[field];
    const mine = own?.[field];
    const entries = [
      own && kept?.owner === write.owner ? undefined : kept,
      stale && isIdentity(field) ? undefined : mine,
    ];
    candidates.push(entries.filter((entry): entry is PendingChange => entry !== undefined));
  }
  syncedFields.forEach((field, index) => {
    const newest = (candidates[index] ?? []).reduce<PendingChange | undefined>(
      // On a tie (one change), the writer's entry: it is the one that took the change over.
      (best, entry) => (best && best.stamp > entry.stamp ? best : entry),
      undefined,
    );
    if (newest && newest.stamp > (record.stamps[field] ?? 0)) record.pending[field] = newest;
  });
  // Later than the record it merges into, whatever the page's clock says: records are ordered by it.
  record.savedAt = Math.max(now, (stored?.savedAt ?? 0) + 0.001);
  return record;
}

/** Field by field, the value with the later stamp (`a` on a tie); other fields from the later-written `b`. */
export function latest(a: SessionInfo, aStamps: Stamps, b: SessionInfo, bStamps: Stamps): SessionInfo {
  const merged: SessionInfo = { ...a, ...b };
  for (const field of syncedFields) {
    const source = (aStamps[field] ?? 0) >= (bStamps[field] ?? 0) ? a : b;
    if (source[field] === undefined) delete merged[field];
    else merged[field] = source[field];
  }
  return merged;
}

export function maxStamps(a: Stamps, b: Stamps): Stamps {
  const stamps: Stamps = { ...a };
  for (const field of syncedFields) {
    const stamp = Math.max(a[field] ?? 0, b[field] ?? 0);
    if (stamp > 0) stamps[field] = stamp;
  }
  return stamps;
}

/** The stamps of `changes`, field by field. */
export function stampsOf(changes: PendingChanges): Stamps {
  const stamps: Stamps = {};
  for (const field of syncedFields) {
    const entry = changes[field];
    if (entry) stamps[field] = entry.stamp;
  }
  return stamps;
}

/** The values of `changes`, field by field. */
export function valuesOf(changes: PendingChanges): FieldValues {
  const values: FieldValues = {};
  for (const field of syncedFields) {
    const entry = changes[field];
    if (entry) values[field] = entry.value;
  }
  return values;
}
