/**
 * The pending changes of the record a manager stores, read from IndexedDB for the snapshot view: the snapshot
 * counts them, the record says which field each is and which manager owns it. Read-only, one short
 * connection per read, and only while a panel is mounted. The database and store are the library's
 * (`gkc-session` / `sessions`, key `<baseUrl>|<tenantId>`); so is the record's shape, `pending[field] =
 * { value, stamp, owner }` (src/core/schemas.ts).
 */

export interface PendingEntry {
  field: string;
  value: string;
  owner: string;
}

const fields = ['customerId', 'agentId', 'visitId', 'globalVisitId'] as const;

/**
 * The pending changes of the record under `key`, or null when there is no record (or it cannot be read).
 * `factory` is the manager's `indexedDB` option (a Storage Access handle's), or the page's.
 */
export async function readPending(
  key: string,
  factory: IDBFactory | undefined = globalThis.indexedDB,
): Promise<PendingEntry[] | null> {
  const record = (await readRecord(key, factory)) as { pending?: Record<string, unknown> } | undefined;
  const pending = record?.pending;
  if (typeof pending !== 'object' || pending === null) return null;
  const entries: PendingEntry[] = [];
  for (const field of fields) {
    const entry = pending[field] as Partial<PendingEntry> | undefined;
    if (typeof entry?.value === 'string' && typeof entry.owner === 'string')
      entries.push({ field, value: entry.value, owner: entry.owner });
  }
  return entries;
}

function readRecord(key: string, factory: IDBFactory | undefined): Promise<unknown> {
  return new Promise((resolve) => {
    let open: IDBOpenDBRequest;
    try {
      if (!factory) return resolve(undefined);
      open = factory.open('gkc-session');
    } catch {
      return resolve(undefined);
    }
    // No database yet: opening would create an empty one, in which the library would then find no store.
    // Aborting the upgrade leaves nothing behind.
    open.onupgradeneeded = () => open.transaction?.abort();
    open.onerror = (event) => {
      event.preventDefault();
      resolve(undefined);
    };
    open.onsuccess = () => {
      const db = open.result;
      // Never stand in the way of the library upgrading or deleting its database.
      db.onversionchange = () => db.close();
      try {
        const request = db.transaction('sessions', 'readonly').objectStore('sessions').get(key);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(undefined);
      } catch {
        resolve(undefined);
      } finally {
        db.close(); // closes once the transaction is done
      }
    };
  });
}
