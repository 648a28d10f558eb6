import { focusManager } from '@tanstack/query-core';
import { activityDue, expiredAt } from '../core/lifetime.js';
import { wallNow } from '../io/clock.js';
import type { SessionInfo } from '../types.js';
import type { PlanContext } from './planRunner.js';

/** What a session's lifetime needs of its manager (driver.ts). */
export interface ActivityHost {
  /** The manager's state, hub and writer of events, as a plan sees them. */
  context(): PlanContext;
  /**
   * Takes the lock, reads the store afresh and plans a session: the successor of one past its lifetime, the
   * one another tab made meanwhile, or the same one when another tab's use (not heard of yet) kept it alive.
   */
  renew(): Promise<void>;
  /** The session to use, once there is one: not a use itself (nothing is recorded). */
  session(): Promise<SessionInfo>;
  /** The renewal failed: no session is left to use, and whoever waits for one hears why. */
  fail(error: unknown): void;
}

/**
 * A session's lifetime, as one manager keeps it. The decisions are core/lifetime.ts's, taken on the times
 * the stored record holds, so that every tab judges alike. Every use is checked first: a use after the limit
 * renews the session under the lock, after a fresh read of the store (once for every use of the page that
 * notices with it, which share the renewal; once for every tab, since the others then find the successor
 * stored). A use within the limit is recorded once the recorded one is a grain old (a tenth of the idle
 * timeout): one store write, which the other tabs hear of. A page back in the foreground checks too. Made only
 * when a lifetime is set: without one, no write, no listener and no timer.
 */
export class SessionActivity {
  readonly #host: ActivityHost;
  #recording = false;
  #renewal: Promise<SessionInfo> | null = null;
  #unwatch: (() => void) | null = null;
  #stopped = false;

  constructor(host: ActivityHost) {
    this.#host = host;
  }

  /** Whether the session shown is past its lifetime now: then it is `renewed()`, never used. */
  expired(): boolean {
    return expiredAt(this.#host.context().state, wallNow());
  }

  /** The session in place of an expired one, planned under the lock. */
  renewed(): Promise<SessionInfo> {
    const host = this.#host;
    this.#renewal ??= host
      .renew()
      .finally(() => {
        this.#renewal = null;
      })
      .then(
        () => host.session(),
        (error: unknown) => {
          host.fail(error);
          throw error;
        },
      );
    return this.#renewal;
  }

  /** A use (`ready()`, `manager.fetch`, `update`, `identify`): recorded when the recorded one is a grain old. */
  used(): void {
    // A destroyed manager's `ready()` still calls: it must neither listen nor write again.
    if (this.#stopped) return;
    const context = this.#host.context();
    const { session } = context.state;
    // Nothing to check or record before there is a session: a warm start's first ready() goes on to its read
    // at once, and the start calls again once it has the session.
    if (!session) return;
    // A page back in the foreground after the limit renews its session then, not at its next request.
    this.#unwatch ??= focusManager.subscribe((focused) => {
      if (focused && this.expired()) this.renewed().catch(() => {}); // the snapshot shows the failure
    });
    const at = wallNow();
    if (this.#recording || !activityDue(context.state, at)) return;
    this.#recording = true;
    const { hub, state } = context;
    // The use alone, not this manager's changes: their writes keep their own order (driver.ts `#persist`).
    hub
      .write({
        owner: context.owner,
        clock: state.clock,
        epoch: state.epoch,
        active: { sessionId: session.sessionId, at },
      })
      .then((record) => {
        hub.post(context.member, { type: 'record', record });
        // Taken in here too: the next use is judged on it.
        context.dispatch({ type: 'record', record, remote: true, at: wallNow() });
      })
      .catch(() => {}) // a store failure moves the record to memory and is reported there
      .finally(() => {
        this.#recording = false;
      });
  }

  stop(): void {
    this.#stopped = true;
    this.#unwatch?.();
  }
}
