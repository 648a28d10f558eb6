// Builders for the pure core's tests: states, records and events in a line each.
import type { FieldValues } from '../../src/core/fields';
import { emptyRecord, type PendingChange, type Stamps, type StoredRecord } from '../../src/core/record';
import { reduce } from '../../src/core/reduce';
import { type CoreEvent, type CoreState, initialState } from '../../src/core/state';
import type { SessionInfo } from '../../src/types';

/** This manager, and another one (in another tab). */
export const me = 'me';
export const other = 'other';

export const session = (sessionId: string, values: FieldValues = {}): SessionInfo => ({
  sessionId,
  ...values,
});
export const entry = (value: string, stamp: number, owner = me): PendingChange => ({ value, stamp, owner });

/** A manager that has read an empty store (epoch 0) and not started. */
export function idle(more: Partial<CoreState> = {}): CoreState {
  return { ...initialState(me, {}, 'indexeddb', 1000), epoch: 0, ...more };
}

export function starting(more: Partial<CoreState> = {}): CoreState {
  return idle({ phase: { name: 'starting' }, ...more });
}

/** A manager showing `current`, acknowledged at `stamps`. */
export function ready(current: SessionInfo, stamps: Stamps = {}, more: Partial<CoreState> = {}): CoreState {
  return idle({ phase: { name: 'ready' }, session: current, stamps, ...more });
}

export function record(more: Partial<StoredRecord> = {}): StoredRecord {
  return { ...emptyRecord(0), ...more };
}

export const cut = (reason: 'reset' | 'customer-changed', now: number): CoreEvent => ({
  type: 'cut',
  reason,
  now,
});

export function run(state: CoreState, ...events: CoreEvent[]): CoreState {
  return events.reduce(reduce, state);
}
