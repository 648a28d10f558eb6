import { createStore, del, get, set, type UseStore, update } from 'idb-keyval';
import type { KeyValueStore } from '../types.js';

export interface ClosableStore extends KeyValueStore {
  /** Closes the connection; the next operation opens a new one. */
  close(): void;
}

/**
 * idb-keyval over the library's own database (never idb-keyval's shared default one), with a connection that
 * can be closed: on `destroy()`, on `pagehide` (an open connection keeps a page out of the back/forward
 * cache), and after a failure, so that the next operation starts on a fresh connection.
 */
export function createIndexedDbStore(dbName = 'gkc-session', storeName = 'sessions'): ClosableStore {
  let store: UseStore | undefined;
  let db: IDBDatabase | undefined;

  function close(): void {
    db?.close();
    db = undefined;
    // idb-keyval caches its connection promise and only drops it on an unexpected close: a fresh
    // createStore is how a closed connection gets reopened.
    store = undefined;
  }

  const tracked: UseStore = (mode, callback) => {
    store ??= createStore(dbName, storeName);
    return store(mode, (objectStore) => {
      if (db !== objectStore.transaction.db) {
        db = objectStore.transaction.db;
        // Another tab upgrading or deleting the database waits for every open connection to close;
        // holding ours would leave that tab blocked for good.
        db.onversionchange = close;
      }
      return callback(objectStore);
    });
  };

  return {
    get: (key) => get(key, tracked),
    set: (key, value) => set(key, value, tracked),
    del: (key) => del(key, tracked),
    update: (key, updater) => update(key, updater, tracked),
    close,
  };
}
