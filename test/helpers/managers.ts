import { createStore, del, get, set } from 'idb-keyval';
import { afterEach } from 'vitest';
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

/** The library's database, read and written beside it, as another tab (or an older version) would. */
const libraryStore = () => createStore('gkc-session', 'sessions');
export const recordKey = (baseUrl: string, tenantId = '') => `${baseUrl}|${tenantId}`;
export const readRecord = (baseUrl: string) => get(recordKey(baseUrl), libraryStore());
export const writeRecord = (baseUrl: string, value: unknown) =>
  set(recordKey(baseUrl), value, libraryStore());
export const deleteRecord = (baseUrl: string) => del(recordKey(baseUrl), libraryStore());

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
