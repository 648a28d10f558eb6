import type { SessionInfo } from './schemas.js';

/** The values the manager keeps in step with the server through Updates. */
export const syncedFields = ['customerId', 'agentId', 'visitId', 'globalVisitId'] as const;
export type SyncedField = (typeof syncedFields)[number];
export type FieldValues = Partial<Record<SyncedField, string>>;

/** What one Update carries: the pending values, and the change number of each. */
export interface Batch {
  readonly values: FieldValues;
  readonly seqs: Partial<Record<SyncedField, number>>;
}

interface Waiter {
  seq: number;
  fields: SyncedField[];
  resolve: (session: SessionInfo) => void;
  reject: (error: unknown) => void;
  /** Set when the server refused this change; the caller learns it at the next `settle`. */
  refused?: unknown;
}

/**
 * The changes the server has not acknowledged yet, coalesced: one value per field, the latest. Each change
 * gets a number; a caller waits until every field it changed has been acknowledged at that number or later
 * (a later value of the same field acknowledges it too). Pure bookkeeping: sending, storing and telling other
 * tabs are the manager's. Callers are settled apart (`settle`), once the manager has shown and stored the
 * outcome, so that a resolved caller finds the snapshot and the store already up to date.
 */
export class Outbox {
  #pending = new Map<SyncedField, { value: string; seq: number }>();
  #ackedSeq = new Map<SyncedField, number>();
  #seq = 0;
  #waiters: Waiter[] = [];

  /** Pending fields: what `snapshot.pendingUpdates` counts. */
  get size(): number {
    return this.#pending.size;
  }

  /** The pending values, as stored so that a reload or another tab can send them. */
  values(): FieldValues {
    return Object.fromEntries([...this.#pending].map(([field, { value }]) => [field, value]));
  }

  /** Records a change; the promise settles when the server has acknowledged it (or refused it for good). */
  change(values: FieldValues): Promise<SessionInfo> {
    const { seq, fields } = this.#record(values);
    return new Promise((resolve, reject) => this.#waiters.push({ seq, fields, resolve, reject }));
  }

  /** Records a change nobody waits for (one left by a closed page, values a replacement lacks). */
  add(values: FieldValues): void {
    this.#record(values);
  }

  #record(values: FieldValues): { seq: number; fields: SyncedField[] } {
    const seq = ++this.#seq;
    const fields = syncedFields.filter((field) => values[field] !== undefined);
    for (const field of fields) this.#pending.set(field, { value: values[field] as string, seq });
    return { seq, fields };
  }

  batch(): Batch {
    const values: FieldValues = {};
    const seqs: Batch['seqs'] = {};
    for (const [field, { value, seq }] of this.#pending) {
      values[field] = value;
      seqs[field] = seq;
    }
    return { values, seqs };
  }

  /** The server acknowledged `batch`: those values are no longer pending, unless changed again since. */
  acknowledge(batch: Batch): void {
    for (const field of syncedFields) {
      const seq = batch.seqs[field];
      if (seq === undefined) continue;
      if (this.#pending.get(field)?.seq === seq) this.#pending.delete(field);
      this.#ackedSeq.set(field, Math.max(seq, this.#ackedSeq.get(field) ?? 0));
    }
  }

  /**
   * Acknowledges the pending values another tab has delivered: the stored session holds them and the stored
   * outbox no longer lists them. Returns whether there were any.
   */
  sentElsewhere(stored: { session: SessionInfo; pending: FieldValues }): boolean {
    const seqs: Batch['seqs'] = {};
    for (const [field, { value, seq }] of this.#pending) {
      if (stored.pending[field] === undefined && stored.session[field] === value) seqs[field] = seq;
    }
    if (Object.keys(seqs).length === 0) return false;
    this.acknowledge({ values: {}, seqs });
    return true;
  }

  /**
   * The server refused `batch` for good: its values are dropped (unless changed again since) and every caller
   * waiting on them will be rejected. Returns the fields whose value must be rolled back.
   */
  refuse(batch: Batch, error: unknown): SyncedField[] {
    const rolledBack: SyncedField[] = [];
    for (const field of syncedFields) {
      const seq = batch.seqs[field];
      if (seq !== undefined && this.#pending.get(field)?.seq === seq) {
        this.#pending.delete(field);
        rolledBack.push(field);
      }
    }
    for (const waiter of this.#waiters) {
      const refused = waiter.fields.some((field) => {
        const seq = batch.seqs[field];
        return seq !== undefined && seq >= waiter.seq && (this.#ackedSeq.get(field) ?? 0) < waiter.seq;
      });
      if (refused) waiter.refused = error;
    }
    return rolledBack;
  }

  /** Rejects every waiting caller (destroy); the pending values stay in the store for the next page load. */
  rejectAll(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** Resolves the callers whose changes are all acknowledged, with `session`; rejects the refused ones. */
  settle(session: SessionInfo): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.refused !== undefined) {
        waiter.reject(waiter.refused);
        return false;
      }
      const done = waiter.fields.every((field) => (this.#ackedSeq.get(field) ?? 0) >= waiter.seq);
      if (done) waiter.resolve(session);
      return !done;
    });
  }
}
