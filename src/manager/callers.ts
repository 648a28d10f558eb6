import { type ChangeWaiter, settlement } from '../core/settlement.js';
import { shownSession } from '../core/snapshot.js';
import type { CoreState } from '../core/state.js';
import type { SessionInfo } from '../types.js';

interface Settle {
  resolve: (session: SessionInfo) => void;
  reject: (error: unknown) => void;
}

/**
 * The promises a manager owes its callers: `ready()` and each change (`update`, `identify`). Effect
 * bookkeeping kept apart from the state, as query-core keeps its retryer apart: the state says when each is
 * settled (`settlement`), this says to whom.
 */
export class SessionCallers {
  #ready: Settle[] = [];
  #changes: (ChangeWaiter & Settle)[] = [];

  ready(): Promise<SessionInfo> {
    return new Promise((resolve, reject) => this.#ready.push({ resolve, reject }));
  }

  change(waiter: ChangeWaiter): Promise<SessionInfo> {
    return new Promise((resolve, reject) => this.#changes.push({ ...waiter, resolve, reject }));
  }

  /** Settles what `state` decides: `ready()` callers once a session is shown, changes once acknowledged. */
  settle(state: CoreState, shown: SessionInfo | null): void {
    if (shown) for (const caller of this.#ready.splice(0)) caller.resolve(shown);
    this.#changes = this.#changes.filter((caller) => {
      const outcome = settlement(state, caller);
      if (outcome === 'pending') return true;
      if (outcome === 'done') caller.resolve(shownSession(state) as SessionInfo);
      else caller.reject(outcome.error);
      return false;
    });
  }

  /** No session can be had now: the `ready()` callers hear why (a later call tries again). */
  failReady(error: unknown): void {
    for (const caller of this.#ready.splice(0)) caller.reject(error);
  }

  failAll(error: unknown): void {
    this.failReady(error);
    for (const caller of this.#changes.splice(0)) caller.reject(error);
  }
}
