import type { SessionSnapshot, SnapshotListener } from '../types.js';

/**
 * The snapshot and its listeners. A snapshot is frozen and replaced, never changed, so `getSnapshot()`
 * returns the same object until something changes (what React's `useSyncExternalStore` needs).
 *
 * Listeners run in a microtask after the change, with the latest snapshot: never in the middle of the
 * manager's own work, so a listener that calls back into the manager cannot deadlock it or see half a
 * change; several changes in one turn reach them as one call.
 */
export class SnapshotPublisher {
  #snapshot: SessionSnapshot;
  #listeners = new Set<SnapshotListener>();
  #scheduled = false;

  constructor(initial: SessionSnapshot) {
    this.#snapshot = initial;
  }

  get snapshot(): SessionSnapshot {
    return this.#snapshot;
  }

  /** Publishes `next` (frozen by the core), unless it is the snapshot already shown. */
  set(next: SessionSnapshot): void {
    if (next === this.#snapshot) return;
    this.#snapshot = next;
    this.#schedule();
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
