import { afterEach } from 'vitest';
import { emptyRecord } from '../../src/core/record';
import { createSessionManager, type SessionManager, type SessionManagerOptions } from '../../src/index';

const created: SessionManager[] = [];

afterEach(() => {
  for (const manager of created.splice(0)) manager.destroy();
});

/** Fast retries so that failure tests take milliseconds; destroyed after the test. */
export const fastRetry = { attempts: 3, minDelayMs: 5, maxDelayMs: 20 };

export function manager(options: SessionManagerOptions): SessionManager {
  const instance = createSessionManager({ retry: fastRetry, ...options });
  created.push(instance);
  return instance;
}

/**
 * The library's database, read and written beside it, as another tab (or an older version) would. Each call
 * opens its own connection and closes it: a connection left open would block a version change for good.
 */
export const recordKey = (baseUrl: string, tenantId = '') => `${baseUrl}|${tenantId}`;

function withLibraryDb<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('gkc-session');
    open.onupgradeneeded = () => open.result.createObjectStore('sessions');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const request = work(db.transaction('sessions', mode).objectStore('sessions'));
      request.transaction?.addEventListener('complete', () => {
        db.close();
        resolve(request.result);
      });
      request.onerror = () => {
        db.close();
        reject(request.error);
      };
    };
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a stored record is whatever the test wrote or the library stored.
export const readRecord = (baseUrl: string): Promise<any> =>
  withLibraryDb('readonly', (store) => store.get(recordKey(baseUrl)));
export const writeRecord = (baseUrl: string, value: unknown) =>
  withLibraryDb('readwrite', (store) => store.put(value, recordKey(baseUrl))).then(() => {});
export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stored record as the library writes it (format 2), with `session` and whatever else is given. */
export const storedRecord = (session: object | null, more: object = {}) => ({
  ...emptyRecord(Date.now()),
  session,
  ...more,
});
