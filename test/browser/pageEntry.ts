// The library as a page sees it, for the browser tests: `window.gkc` is the package's entry point, and
// `?start={...options}` starts a manager at load, as an application's bootstrap code would
// (`window.start(options)` starts one later).
import * as gkc from '../../src/index';

declare global {
  interface Window {
    gkc: typeof gkc;
    manager?: gkc.SessionManager;
    started?: Promise<{ sessionId?: string; error?: string; ms: number; startedAt: number; readyAt: number }>;
    firstFetch?: Promise<number | string>;
    start(options?: object): void;
    /** What `start` makes its manager with: set by a page that wraps it (./devtoolsEntry). */
    createManager?: typeof gkc.createSessionManager;
    rawCold?: Promise<number>;
  }
}

window.gkc = gkc;
const params = new URLSearchParams(location.search);

// `?breakIndexedDB`: IndexedDB throws on open, as it does in some private modes and locked-down browsers.
// Done here rather than by an init script, which classic WebDriver (WebKit's) cannot add.
if (params.has('breakIndexedDB')) {
  IDBFactory.prototype.open = () => {
    throw new DOMException('IndexedDB is disabled here', 'SecurityError');
  };
}

window.start = (options = {}) => {
  const began = performance.now();
  // Wall-clock times, comparable across tabs: when this tab began, when it had its answer.
  const at = () => performance.timeOrigin + performance.now();
  const startedAt = at();
  const create = window.createManager ?? gkc.createSessionManager;
  const manager = create({ baseUrl: '/gks-server/v1', ...options });
  window.manager = manager;
  window.started = manager.ready().then(
    (session) => ({ sessionId: session.sessionId, ms: performance.now() - began, startedAt, readyAt: at() }),
    (error: unknown) => ({ error: String(error), ms: performance.now() - began, startedAt, readyAt: at() }),
  );
  // `&fetch=path`: the page's first Knowledge request, sent the moment ready() resolves (as a widget does).
  const first = params.get('fetch');
  if (first !== null) {
    window.firstFetch = manager.ready().then(
      () => manager.fetch(first).then((response) => response.status),
      (error: unknown) => String(error),
    );
  }
};

const start = params.get('start');
if (start !== null) window.start(JSON.parse(start || '{}'));

// `?raw`: the same cold-start work done by hand, with no library: open (and create) a database, read, one
// Create over HTTP, write. The bench's control for what the browser itself costs when six tabs start at once.
if (params.has('raw')) {
  const began = performance.now();
  const request = (r: IDBRequest) =>
    new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  window.rawCold = (async () => {
    const open = indexedDB.open('raw-cold');
    open.onupgradeneeded = () => open.result.createObjectStore('records');
    const db = (await request(open)) as IDBDatabase;
    await request(db.transaction('records').objectStore('records').get('record'));
    const answer = await (await fetch('/gks-server/v1/sessions/new', { method: 'PUT', body: '{}' })).json();
    const tx = db.transaction('records', 'readwrite');
    tx.objectStore('records').put(answer, 'record');
    await new Promise((resolve) => {
      tx.oncomplete = resolve;
    });
    return performance.now() - began;
  })();
}
