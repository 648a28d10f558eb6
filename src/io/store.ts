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

/** Where a record given this `storage` option lives before any failure: IndexedDB only where there is one. */
export function storageKindOf(storage: 'indexeddb' | 'memory' | KeyValueStore): StorageKind {
  if (storage === 'memory') return 'memory';
  if (storage !== 'indexeddb') return 'custom';
  // Checking for the global is not I/O: the database is opened on the first read.
  return typeof indexedDB !== 'undefined' && indexedDB !== null ? 'indexeddb' : 'memory';
}

export interface SessionStoreOptions {
  storage: 'indexeddb' | 'memory' | KeyValueStore;
  /** The record's key: one record per server. */
  key: string;
  /** Bound on every operation: an IndexedDB open blocked by another tab never settles on its own. */
  timeoutMs: number;
  /** Told once, when the store fails and the record moves to memory. */
  onFallback: (error: StorageError) => void;
}

/**
 * The session record in its store, validated on every read, with the fallback peers learnt the hard way:
 * every operation is bounded in time; a failed operation is retried once on a fresh connection (Safari drops
 * IndexedDB connections: "Connection to Indexed Database server lost"); if it fails again, the manager goes
 * on in memory and says why. A failed read is reported, never taken for "no session", and the broken store
 * is left as it is rather than overwritten.
 */
export class SessionStore {
  #store: KeyValueStore;
  #kind: StorageKind;
  readonly #options: SessionStoreOptions;

  constructor(options: SessionStoreOptions) {
    this.#options = options;
    const { storage } = options;
    this.#kind = storageKindOf(storage);
    this.#store =
      typeof storage === 'object'
        ? storage
        : this.#kind === 'indexeddb'
          ? createIndexedDbStore()
          : memoryStore;
  }

  /** The stored record, or null when there is none or it is unreadable (corrupt, an old format). */
  async read(): Promise<StoredRecord | null> {
    return parseRecord(await this.#run('read', (store) => store.get(this.#options.key)));
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
    return written ?? change(null);
  }

  /** Releases the connection (destroy, pagehide); the next operation reopens it. */
  close(): void {
    (this.#store as Partial<ClosableStore>).close?.();
  }

  async #run<T>(operation: string, work: (store: KeyValueStore) => Promise<T>): Promise<T> {
    if (this.#kind === 'memory') return work(this.#store);
    const attempt = () =>
      withTimeout(
        // Started at once (a throw becomes a rejection): the caller may overlap other work with the I/O.
        new Promise<T>((resolve) => resolve(work(this.#store))),
        this.#options.timeoutMs,
        () => new StoreTimeout(`no answer within ${this.#options.timeoutMs} ms`),
      );
    let failure: unknown;
    try {
      return await attempt();
    } catch (error) {
      failure = error;
    }
    if (this.#kind === 'indexeddb' && !(failure instanceof StoreTimeout)) {
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
