import type { SyncedField } from './fields.js';
import type { CoreState } from './state.js';

/** A caller waiting for the server to acknowledge the change it made at `stamp`. */
export interface ChangeWaiter {
  fields: readonly SyncedField[];
  stamp: number;
}

/**
 * The fate of a caller of `update()` or `identify()`: settled once every field it changed is acknowledged at
 * its stamp or a later one (a later value acknowledges it too), rejected when the server refused it or a
 * reset cut it, pending otherwise.
 */
export function settlement(state: CoreState, waiter: ChangeWaiter): 'pending' | 'done' | { error: Error } {
  for (const field of waiter.fields) {
    const refusal = state.refusals[field];
    if (refusal && refusal.stamp >= waiter.stamp && (state.stamps[field] ?? 0) <= refusal.stamp)
      return { error: refusal.error };
  }
  const acknowledged = (field: SyncedField) =>
    (state.session !== null && (state.stamps[field] ?? 0) >= waiter.stamp) ||
    (state.settledAt[field] ?? 0) >= waiter.stamp;
  return state.session && waiter.fields.every(acknowledged) ? 'done' : 'pending';
}
