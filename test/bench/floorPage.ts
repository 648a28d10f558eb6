// The bench's page without the library: what an application would do by hand, the floor the library is
// measured against. Nothing here runs before the timed work, so it is the page's first IndexedDB access.
//
// `?warm`: open the library's own database, get its stored record, validate it. The names are the library's
// (src/indexedDbStore.ts's defaults, the key of src/options.ts: `${baseUrl}|${tenantId ?? ''}`); a record
// not found is an error, so that a renamed store fails the bench rather than timing a miss.
// `?cold`: the cold-start work with no library and no lock: open (and create) the database, read, one Create
// over HTTP, write. The control for what the browser itself costs when six tabs start at once.
// The work starts as the page's module runs, or, with `?later`, when the bench calls `benchBegin()`.
import * as z from 'zod/mini';
import { beginWith, type PageStart } from './pageStart';

/**
 * How an application would check a record it reads back: its version and the session's documented fields.
 * The library's own schema (src/schemas.ts) checks more (stamps, pending changes, writers, id refinements);
 * that difference is part of what the bench measures.
 */
const recordSchema = z.looseObject({
  v: z.literal(2),
  session: z.nullable(
    z.looseObject({
      sessionId: z.string().check(z.minLength(1)),
      customerId: z.optional(z.string()),
      agentId: z.optional(z.string()),
      visitId: z.optional(z.string()),
      globalVisitId: z.optional(z.string()),
    }),
  ),
  savedAt: z.number(),
});

const dbName = 'gkc-session';
const storeName = 'sessions';
const key = `${location.origin}/gks-server/v1|`;

function settled<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function openDatabase(): Promise<IDBDatabase> {
  const request = indexedDB.open(dbName);
  // As idb-keyval's createStore does: the store is made when the database is new (a cold start).
  request.onupgradeneeded = () => request.result.createObjectStore(storeName);
  const db = await settled(request);
  // Closed as the page goes, as the library closes its own (src/io/hub.ts, `suspend`): the next page
  // load then opens the database as the first connection, whichever page it is.
  addEventListener('pagehide', () => db.close());
  return db;
}

async function warm(): Promise<void> {
  const db = await openDatabase();
  const value = await settled(db.transaction(storeName, 'readonly').objectStore(storeName).get(key));
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success || !parsed.data.session) throw new Error(`no usable record under ${key}`);
}

async function cold(): Promise<void> {
  const db = await openDatabase();
  await settled(db.transaction(storeName, 'readonly').objectStore(storeName).get(key));
  const answer = await (await fetch('/gks-server/v1/sessions/new', { method: 'PUT', body: '{}' })).json();
  const tx = db.transaction(storeName, 'readwrite');
  tx.objectStore(storeName).put(answer, key);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
}

const params = new URLSearchParams(location.search);
const work = params.has('cold') ? cold : warm;
beginWith(() => {
  const began = performance.now();
  const finish = (error?: unknown): PageStart => {
    const readyAt = performance.now();
    return { ms: readyAt - began, readyAt, ...(error !== undefined && { error: String(error) }) };
  };
  return work().then(() => finish(), finish);
}, params.has('later'));
