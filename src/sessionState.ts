import type { StorageError } from './errors.js';
import type { SessionInfo } from './schemas.js';
import type { StorageKind } from './sessionStore.js';

/** Why `session` last changed. */
export const sessionChangeReasons = [
  /** Read from the store at start. */
  'restored',
  /** Created because there was no usable session. */
  'created',
  /** The server answered with a different id (9.x and 8.5.0 create a new session for an unknown one). */
  'replaced',
  /** The server said "Session not found"; a new session was created. */
  'not-found',
  /** The session was associated with a customer or agent; same id. */
  'identified',
  /** A different customer identified: a new session was created for them. */
  'customer-changed',
  /** `reset()`: the session was forgotten and a new anonymous one created. */
  'reset',
  /** Visit values changed. */
  'updated',
] as const;
export type SessionChangeReason = (typeof sessionChangeReasons)[number];

export interface SessionChange {
  reason: SessionChangeReason;
  sessionId: string;
  previousSessionId: string | null;
  /** True when another tab, or another manager of this page, made the change and this one followed it. */
  remote: boolean;
}

export interface SessionSnapshot {
  status: 'idle' | 'starting' | 'ready' | 'error' | 'destroyed';
  /** Includes visit values not yet acknowledged by the server. */
  session: SessionInfo | null;
  /** The last error that affected the session, if any. */
  error: Error | null;
  /** Where the session record lives now: 'memory' after the store failed, or when IndexedDB is missing. */
  storage: StorageKind;
  /** Changes kept locally that the server has not yet acknowledged. */
  pendingUpdates: number;
  /** Why `session` last changed, and who changed it. */
  change: SessionChange | null;
  /** Why the storage is 'memory' when another one was asked for; null otherwise. */
  storageError: StorageError | null;
}

export type SnapshotListener = (snapshot: SessionSnapshot) => void;

/**
 * The snapshot and its listeners. A snapshot is frozen and replaced, never changed, so `getSnapshot()`
 * returns the same object until something changes (what React's `useSyncExternalStore` needs).
 *
 * Listeners run in a microtask after the change, with the latest snapshot: never in the middle of the
 * manager's own work, so a listener that calls back into the manager cannot deadlock it or see half a
 * change; several changes in one turn reach them as one call.
 */
export class SessionState {
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
