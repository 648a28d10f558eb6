import { del, get, promisifyRequest, set, type UseStore, update } from 'idb-keyval';
import type { KeyValueStore } from '../types.js';

export interface ClosableStore extends KeyValueStore {
  /** Closes the connection; the next operation opens a new one. */
  close(): void;
}

/**
 * idb-keyval over the library's own database (never idb-keyval's shared default one), opened through the
 * IndexedDB `factory` gives (the page's own, or a Storage Access handle's unpartitioned one: idb-keyval's
 * `createStore` only knows the global), with a connection that can be closed: on `destroy()`, on `pagehide`
 * (an open connection keeps a page out of the back/forward cache), and after a failure, so that the next
 * operation starts on a fresh connection. `factory` is asked on each open: a page's `indexedDB` getter that
 * throws (some locked-down frames) fails that operation, and the store falls back as for any failure.
 */
export function createIndexedDbStore(
  factory: () => IDBFactory,
  dbName = 'gkc-session',
  storeName = 'sessions',
): ClosableStore {
  let opening: Promise<IDBDatabase> | undefined;
  let db: IDBDatabase | undefined;

  function close(): void {
    const closing = opening;
    opening = undefined;
    db?.close();
    db = undefined;
    // A connection still opening is closed when it opens: nobody will use it.
    closing?.then(
      (late) => late.close(),
      () => {},
    );
  }

  // idb-keyval's createStore, on the given factory, keeping hold of the connection to close it.
  function open(): Promise<IDBDatabase> {
    if (opening) return opening;
    const request = factory().open(dbName);
    request.onupgradeneeded = () => request.result.createObjectStore(storeName);
    const connection = promisifyRequest(request);
    opening = connection;
    connection.then(
      (opened) => {
        if (opening !== connection) return;
        db = opened;
        // Safari drops connections ("Connection to Indexed Database server lost"): the next one reopens.
        opened.onclose = () => {
          if (db === opened) close();
        };
        // Another tab upgrading or deleting the database waits for every open connection to close;
        // holding ours would leave that tab blocked for good.
        opened.onversionchange = () => {
          if (db === opened) close();
        };
      },
      () => {
        if (opening === connection) opening = undefined;
      },
    );
    return connection;
  }

  const store: UseStore = (mode, callback) =>
    open().then((opened) => callback(opened.transaction(storeName, mode).objectStore(storeName)));

  return {
    get: (key) => get(key, store),
    set: (key, value) => set(key, value, store),
    del: (key) => del(key, store),
    update: (key, updater) => update(key, updater, store),
    close,
  };
}
