import { timeoutManager } from '@tanstack/query-core';
import type { StoredRecord } from '../core/record.js';
import { storedRecordSchema } from '../core/schemas.js';
import { StorageError } from '../errors.js';
import type { KeyValueStore, StorageKind } from '../types.js';
import { withTimeout } from '../utils/abortable.js';
import { type ClosableStore, createIndexedDbStore } from './indexedDbStore.js';
import { memoryStore } from './memoryStore.js';

class StoreTimeout extends Error {
  override readonly name = 'StoreTimeout';
}

/**
 * Where a record given this `storage` option lives before any failure: IndexedDB only where there is one (the
 * one given, or the page's own).
 */
export function storageKindOf(
  storage: 'indexeddb' | 'memory' | KeyValueStore,
  indexedDB?: IDBFactory,
): StorageKind {
  if (storage === 'memory') return 'memory';
  if (storage !== 'indexeddb') return 'custom';
  // Checking for the global is not I/O: the database is opened on the first read. A getter that throws (some
  // locked-down frames) is found out there, and reported as the store's failure.
  try {
    return (indexedDB ?? globalThis.indexedDB) ? 'indexeddb' : 'memory';
  } catch {
    return 'indexeddb';
  }
}

export interface SessionStoreOptions {
  storage: 'indexeddb' | 'memory' | KeyValueStore;
  /** The IndexedDB to open; the page's own when undefined. */
  indexedDB?: IDBFactory | undefined;
  /** The record's key: one record per server. */
  key: string;
  /** Bound on every operation: an IndexedDB open blocked by another tab never settles on its own. */
  timeoutMs: number;
  /** How much longer a read that outlasted `timeoutMs` is waited for, before the store is given up. */
  lateMs: number;
  /** A read outlasted `timeoutMs`: ask the other tabs what they hold (their answer comes to `offer`). */
  onSlow: () => void;
  /** Told once, when the store fails and the record moves to memory. */
  onFallback: (error: StorageError) => void;
}

/** What a late read came to: the store's answer, its failure, or nothing within the bound. */
type Late<T> = { value: T } | { error: unknown } | null;

/**
 * The session record in its store, validated on every read, with the fallback peers learnt the hard way:
 * every operation is bounded in time; a failed operation is retried once on a fresh connection (Safari drops
 * IndexedDB connections: "Connection to Indexed Database server lost"); if it fails again, the manager goes
 * on in memory and says why. A failed read is reported, never taken for "no session", and the broken store
 * is left as it is rather than overwritten.
 *
 * A read that does not answer in time is not taken for "no session" either (Firebase minted thousands of
 * anonymous users by creating before its read came back: firebase-js-sdk PR #4963): the other tabs are asked
 * for the record they hold (`onSlow`, answered through `offer`), and the read is waited for `lateMs` more.
 * Whichever comes first is the answer; only a read that answers neither way gives the store up for memory.
 */
export class SessionStore {
  #store: KeyValueStore;
  #kind: StorageKind;
  readonly #options: SessionStoreOptions;
  /** The newest record this page has read, written or heard of: what it tells a tab that asks. */
  #last: StoredRecord | null = null;
  /** The reads waiting past their bound: a record another tab offers answers them. */
  readonly #waiting = new Set<(record: StoredRecord) => void>();

  constructor(options: SessionStoreOptions) {
    this.#options = options;
    const { storage, indexedDB } = options;
    this.#kind = storageKindOf(storage, indexedDB);
    this.#store =
      typeof storage === 'object'
        ? storage
        : this.#kind === 'indexeddb'
          ? createIndexedDbStore(() => indexedDB ?? globalThis.indexedDB)
          : memoryStore;
  }

  /** The newest record known here (read, written, or offered by another tab), or null. */
  get last(): StoredRecord | null {
    return this.#last;
  }

  /** A record another tab holds: remembered, and the answer to a read that waits past its bound. */
  offer(record: StoredRecord): void {
    this.#remember(record);
    for (const answer of this.#waiting) answer(record);
  }

  /** The stored record, or null when there is none or it is unreadable (corrupt, an old format). */
  async read(): Promise<StoredRecord | null> {
    const record = parseRecord(await this.#run('read', (store) => store.get(this.#options.key), true));
    this.#remember(record);
    return record;
  }

  /**
   * Reads, changes and writes the record in one transaction where the store has one (IndexedDB, memory): no
   * other tab writes in between. A custom store without `update` gets a read and a write. A record this
   * version cannot read is replaced: better than failing on it forever.
   */
  async update(change: (record: StoredRecord | null) => StoredRecord): Promise<StoredRecord> {
    let written: StoredRecord | undefined;
    const updater = (value: unknown) => {
      written = change(parseRecord(value));
      return written;
    };
    const { key } = this.#options;
    await this.#run('write', async (store) => {
      if (store.update) return store.update(key, updater);
      return store.set(key, updater(await store.get(key)));
    });
    const record = written ?? change(null);
    this.#remember(record);
    return record;
  }

  #remember(record: StoredRecord | null): void {
    if (record && record.savedAt >= (this.#last?.savedAt ?? 0)) this.#last = record;
  }

  /** Releases the connection (destroy, pagehide); the next operation reopens it. */
  close(): void {
    (this.#store as Partial<ClosableStore>).close?.();
  }

  /**
   * Runs `work` on the store, bounded, retried, falling back to memory. A `late` operation (a read) that
   * outlasts its bound is waited for as the class says; its answer may then be a record another tab offered.
   */
  async #run<T>(operation: string, work: (store: KeyValueStore) => Promise<T>, late = false): Promise<T> {
    if (this.#kind === 'memory') return work(this.#store);
    const { timeoutMs } = this.#options;
    let pending: Promise<T> = Promise.resolve(undefined as T);
    const attempt = () => {
      // Started at once (a throw becomes a rejection): the caller may overlap other work with the I/O.
      pending = new Promise<T>((resolve) => resolve(work(this.#store)));
      return withTimeout(pending, timeoutMs, () => new StoreTimeout(`no answer within ${timeoutMs} ms`));
    };
    let failure: unknown;
    try {
      return await attempt();
    } catch (error) {
      failure = error;
    }
    if (failure instanceof StoreTimeout && late) {
      const answer = await this.#lateAnswer(pending as Promise<unknown>);
      if (answer && 'value' in answer) return answer.value as T;
      failure = answer
        ? answer.error
        : new StoreTimeout(`no answer within ${timeoutMs + this.#options.lateMs} ms`);
    } else if (this.#kind === 'indexeddb' && !(failure instanceof StoreTimeout)) {
      // A lost connection usually works again once reopened. A timeout is not retried: it would only
      // double the wait for a store that is blocked.
      this.close();
      try {
        return await attempt();
      } catch (error) {
        failure = error;
      }
    }
    this.#fallBack(operation, failure);
    return work(this.#store);
  }

  /** Waits `lateMs` more for a read: its own answer, or a record another tab offers (asked for here). */
  #lateAnswer(pending: Promise<unknown>): Promise<Late<unknown>> {
    return new Promise((resolve) => {
      const timer = timeoutManager.setTimeout(() => finish(null), this.#options.lateMs);
      const offered = (record: StoredRecord) => finish({ value: record });
      const finish = (answer: Late<unknown>) => {
        timeoutManager.clearTimeout(timer);
        this.#waiting.delete(offered);
        resolve(answer);
      };
      this.#waiting.add(offered);
      pending.then(
        (value) => finish({ value }),
        (error: unknown) => finish({ error }),
      );
      this.#options.onSlow();
    });
  }

  #fallBack(operation: string, cause: unknown): void {
    const name = this.#kind === 'indexeddb' ? 'IndexedDB' : 'The custom store';
    const why =
      cause instanceof Error
        ? `${cause.name === 'Error' ? '' : `${cause.name}: `}${cause.message}`
        : String(cause);
    const error = new StorageError(
      `${name} failed to ${operation} the session (${why}); keeping it in memory`,
      {
        cause,
      },
    );
    this.close();
    this.#store = memoryStore;
    this.#kind = 'memory';
    this.#options.onFallback(error);
  }
}

function parseRecord(value: unknown): StoredRecord | null {
  if (value === undefined || value === null) return null;
  const parsed = storedRecordSchema.safeParse(value);
  return parsed.success ? (parsed.data as StoredRecord) : null;
}
