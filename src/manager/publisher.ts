import type { QueryClient } from '@tanstack/query-core';
import { toSnapshot } from '../core/snapshot.js';
import type { CoreEvent, CoreState } from '../core/state.js';
import { traceOf } from '../core/trace.js';
import type { SessionEvent, SessionSnapshot, SnapshotListener } from '../types.js';

/** Where else a state is shown: the application's QueryClient, under the manager's key, and its trace. */
export interface PublisherOptions {
  readonly queryClient: QueryClient | undefined;
  readonly queryKey: readonly unknown[];
  readonly onEvent: ((event: SessionEvent) => void) | undefined;
}

/**
 * What the outside sees of the manager's state: the snapshot and its listeners, the session in the
 * application's query cache, the `onEvent` trace. A snapshot is frozen and replaced, never changed, so
 * `getSnapshot()` returns the same object until something changes (what React's `useSyncExternalStore` needs).
 *
 * Listeners run in a microtask after the change, with the latest snapshot: never in the middle of the
 * manager's own work, so a listener that calls back into the manager cannot deadlock it or see half a
 * change; several changes in one turn reach them as one call.
 */
export class SnapshotPublisher {
  #snapshot: SessionSnapshot;
  #listeners = new Set<SnapshotListener>();
  #scheduled = false;
  readonly #options: PublisherOptions;

  constructor(initial: CoreState, options: PublisherOptions) {
    this.#snapshot = toSnapshot(initial, null);
    this.#options = options;
  }

  get snapshot(): SessionSnapshot {
    return this.#snapshot;
  }

  /** Shows `state`, which `event` made of `before`: the snapshot (unless unchanged), the cache, the trace. */
  publish(state: CoreState, event: CoreEvent, before: CoreState): void {
    const shown = this.#snapshot.session;
    const next = toSnapshot(state, this.#snapshot);
    if (next !== this.#snapshot) {
      this.#snapshot = next;
      this.#schedule();
    }
    const { queryClient, queryKey, onEvent } = this.#options;
    if (next.session !== shown) queryClient?.setQueryData(queryKey, next.session);
    // The application's callback must not break the manager: its error goes where uncaught errors go.
    if (onEvent) {
      try {
        onEvent(traceOf(event, state, before));
      } catch (error) {
        report(error);
      }
    }
  }

  subscribe(listener: SnapshotListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Delivers what is pending, then detaches every listener. */
  dispose(): void {
    this.#schedule(() => this.#listeners.clear());
  }

  #schedule(after?: () => void): void {
    if (this.#scheduled) {
      if (after) queueMicrotask(after);
      return;
    }
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      const snapshot = this.#snapshot;
      for (const listener of [...this.#listeners]) {
        try {
          listener(snapshot);
        } catch (error) {
          report(error);
        }
      }
      after?.();
    });
  }
}

/** A throwing listener is the application's bug: show it where the application's errors go, then move on. */
export function report(error: unknown): void {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
}
