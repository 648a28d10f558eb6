import type { LockManagerLike } from '../index.js';

/**
 * Tab labels, and which tab owns a pending change, through Web Locks. Each panel holds a lock named after its
 * label while mounted; `navigator.locks.query()` gives every held lock with the client (the tab) holding it.
 * A manager holds a lock of its own while it runs (`gkc-session:<key>|<owner>`, src/io/hub.ts: other tabs query
 * it to tell a live owner from an orphan); the client holding it is the tab that owns that manager's changes.
 * The browser tests fail if that name changes (the owners would read "no live manager").
 */

const prefix = 'gkc-session-devtools|';

/** The lowest `tab N` no other mounted panel holds (or `wanted`, or `wanted (2)`...), and its release. */
export async function claimLabel(wanted?: string): Promise<{ label: string; release: () => void }> {
  const locks = globalThis.navigator?.locks;
  const nameOf = (n: number) => (wanted ? (n === 1 ? wanted : `${wanted} (${n})`) : `tab ${n}`);
  if (!locks?.request)
    return { label: wanted ?? `tab ${Math.random().toString(36).slice(2, 6)}`, release() {} };
  for (let n = 1; ; n++) {
    const label = nameOf(n);
    const release = await hold(locks, prefix + label);
    if (release) return { label, release };
  }
}

/** Holds `name` if it is free: resolves with its release, or null when another client holds it. */
function hold(locks: LockManager, name: string): Promise<(() => void) | null> {
  return new Promise((resolve) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) return resolve(null);
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(() => resolve(null));
  });
}

type HeldLock = { name?: string; clientId?: string };

/**
 * Who owns each pending change, as a tab label or what is known instead. `managerLocks` is the manager's
 * `locks` option (a Storage Access handle's, say), where its owner locks are; the panels' label locks are the
 * page's.
 */
export async function ownerLabels(
  storeKey: string,
  owners: readonly string[],
  ownLabel: string,
  managerLocks?: LockManagerLike | null,
): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  const pageLocks = globalThis.navigator?.locks;
  const locks = managerLocks === undefined ? pageLocks : managerLocks;
  if (!locks?.query || !pageLocks?.query) {
    for (const owner of owners)
      labels.set(owner, `manager ${owner.slice(0, 8)} (no Web Locks to tell its tab)`);
    return labels;
  }
  const query = async (manager: { query?(): Promise<{ held?: HeldLock[] }> }) =>
    ((await manager.query?.())?.held ?? []) as HeldLock[];
  const held = await query(locks);
  const labelLocks = (locks as unknown) === pageLocks ? held : await query(pageLocks);
  const tabOfClient = new Map<string, string>();
  for (const lock of labelLocks) {
    if (lock.clientId && lock.name?.startsWith(prefix))
      tabOfClient.set(lock.clientId, lock.name.slice(prefix.length));
  }
  for (const owner of owners) {
    const lock = held.find((candidate) => candidate.name === `gkc-session:${storeKey}|${owner}`);
    const tab = lock?.clientId === undefined ? undefined : tabOfClient.get(lock.clientId);
    labels.set(
      owner,
      !lock
        ? 'no live manager: another tab takes it over'
        : tab === undefined
          ? 'a tab without a panel'
          : tab === ownLabel
            ? `${tab} (this tab)`
            : tab,
    );
  }
  return labels;
}
