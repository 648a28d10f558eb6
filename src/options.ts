import type { QueryClient } from '@tanstack/query-core';
import type { KeyValueStore } from './indexedDbStore.js';
import { numberOption } from './numberOption.js';
import { type RetryOptions, type RetryPolicy, resolveRetryPolicy } from './retryPolicy.js';
import { resolveServer, type ServerLocation } from './serverUrl.js';
import { resolveTimeout } from './sessionClient.js';
import type { LockManagerLike } from './sessionLock.js';
import { checkValues } from './sessionValues.js';

export interface SessionManagerOptions {
  /** Root of the Knowledge Center REST API, e.g. `https://kc.example.com/gks-server/v1`; absolute, or a path. */
  baseUrl: string | URL;
  /** Knowledge Center 9.x tenant, sent as `tenantId=` on every call. */
  tenantId?: string | undefined;
  /** A recognised customer, sent as `gkc_customerId`. A stored session of another customer is never reused. */
  customerId?: string | undefined;
  /** An agent, sent as `gkc_agentId`. */
  agentId?: string | undefined;
  /** Genesys Web Engagement visit id. */
  visitId?: string | undefined;
  /** Genesys Web Engagement global visit id. */
  globalVisitId?: string | undefined;
  /**
   * Where the session record lives: IndexedDB (falling back to memory when it cannot be used), memory
   * (shared by the managers of the page), or a store with idb-keyval's `get`/`set`/`del` shape.
   * @default 'indexeddb'
   */
  storage?: 'indexeddb' | 'memory' | KeyValueStore | undefined;
  /**
   * Keep `visitId` and `globalVisitId` in step with the Genesys Web Engagement tracker on the page, read
   * with `_gt.push(['getIDs', callback])` at start and whenever the page regains focus.
   * @default false
   */
  webEngagement?: boolean | undefined;
  /**
   * Check a stored session with the server (Retrieve) in the background at start. `ready()` does not wait.
   * @default true
   */
  revalidate?: boolean | undefined;
  /**
   * Retry policy of the session calls: network errors, timeouts, 408/425/429 and 5xx. `false` for one try.
   * @default { attempts: 4, minDelayMs: 250, maxDelayMs: 10000 }
   */
  retry?: false | RetryOptions | undefined;
  /**
   * The application's TanStack QueryClient, shared: the session lives in its cache under `manager.queryKey`
   * and the visit-data mutations in its mutation cache.
   * @default none: the mutations run in a MutationCache of the manager's own, and the session is read from
   * the snapshot
   */
  queryClient?: QueryClient | undefined;
  /**
   * The transport, for the session calls and `manager.fetch`.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch | undefined;
  /**
   * Per-attempt timeout of the session calls, and of `manager.fetch` until the answer's headers arrive.
   * @default 10000
   */
  timeoutMs?: number | undefined;
  /**
   * How long changes must pause before a visit-data delivery is sent (at most 20 times this from the first
   * change): a burst costs one Update. The snapshot shows the values at once and the store keeps them
   * meanwhile. 0 sends at once.
   * @default 50
   */
  coalesceMs?: number | undefined;
  /**
   * Bound on every storage operation; past it the manager goes on in memory.
   * @default 3000
   */
  storageTimeoutMs?: number | undefined;
  /**
   * How long to wait for the cross-tab lock before going ahead without it (a frozen tab may hold it).
   * @default 5000
   */
  lockTimeoutMs?: number | undefined;
  /**
   * The Web Locks API; null to serialise only the managers of this page.
   * @default globalThis.navigator.locks, when there is one
   */
  locks?: LockManagerLike | null | undefined;
  /**
   * The BroadcastChannel constructor that carries changes to other tabs; null for none.
   * @default globalThis.BroadcastChannel, when there is one
   */
  BroadcastChannel?: typeof BroadcastChannel | null | undefined;
  /**
   * A trace of the manager's core events, for debugging a widget: every event, with the session it left,
   * the reason of a session change and whether another tab (or manager) caused it. Nothing is computed when
   * it is not set.
   * @example
   * createSessionManager({ baseUrl, onEvent: (event) => console.debug('[gkc]', event) });
   */
  onEvent?: ((event: SessionEvent) => void) | undefined;
}

/** One line of the `onEvent` trace. */
export interface SessionEvent {
  /**
   * What happened: `start`, `record` (the store or another tab said what it holds), `change` (`update` or
   * `identify`), `acknowledged` (an Update answered), `established` (a session created, or put by the server
   * in place of the current one), `checked` (a Retrieve confirmed it), `cut` (a reset or customer switch
   * began here), `forgotten` (the session was forgotten in every tab), `refused`, `took-over` (changes of a
   * closed tab are sent from here), `failed`, `storage-failed`, `destroyed`.
   */
  type: string;
  /** The session after the event (or the one it left, when it was forgotten). */
  sessionId: string | null;
  /** Why the session changed, when it did (`snapshot.change.reason`); for a `cut`, `reset` or `customer-changed`. */
  reason: string | null;
  /** Whether another tab or manager caused it. */
  remote: boolean;
  /** The manager's phase after the event: idle, starting, ready, replacing, failed or destroyed. */
  phase: string;
  /** Values not yet acknowledged by the server, in this tab or another. */
  pendingUpdates: number;
  error: Error | null;
}

export interface ResolvedOptions {
  readonly server: ServerLocation;
  /** One stored record, lock and channel per server: `baseUrl` and `tenantId` together. */
  readonly key: string;
  readonly customerId: string | undefined;
  readonly agentId: string | undefined;
  readonly visitId: string | undefined;
  readonly globalVisitId: string | undefined;
  readonly storage: 'indexeddb' | 'memory' | KeyValueStore;
  readonly revalidate: boolean;
  readonly webEngagement: boolean;
  readonly retry: RetryPolicy;
  readonly fetch: typeof fetch | undefined;
  readonly queryClient: QueryClient | undefined;
  readonly timeoutMs: number;
  readonly storageTimeoutMs: number;
  readonly coalesceMs: number;
  readonly lockTimeoutMs: number;
  readonly locks: LockManagerLike | null;
  readonly BroadcastChannel: typeof BroadcastChannel | null;
  readonly onEvent: ((event: SessionEvent) => void) | undefined;
}

export const defaults = Object.freeze({
  storage: 'indexeddb',
  revalidate: true,
  webEngagement: false,
  storageTimeoutMs: 3000,
  coalesceMs: 50,
  lockTimeoutMs: 5000,
} as const);

/** Resolves and validates the options; throws a `TypeError` naming the bad option. */
export function resolveOptions(options: SessionManagerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object with baseUrl');
  }
  const server = resolveServer(options.baseUrl, options.tenantId);
  checkValues(options);
  const storage = options.storage ?? defaults.storage;
  if (storage !== 'indexeddb' && storage !== 'memory' && !isStore(storage)) {
    throw new TypeError("storage must be 'indexeddb', 'memory' or a store (get, set, del)");
  }
  if (options.queryClient !== undefined && typeof options.queryClient?.getMutationCache !== 'function') {
    throw new TypeError('queryClient must be a QueryClient');
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new TypeError('onEvent must be a function');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError('fetch must be a function');
  }
  const environment = globalThis as { navigator?: { locks?: LockManagerLike } };
  return Object.freeze({
    server,
    key: `${server.baseUrl}|${server.tenantId ?? ''}`,
    customerId: options.customerId,
    agentId: options.agentId,
    visitId: options.visitId,
    globalVisitId: options.globalVisitId,
    storage,
    revalidate: options.revalidate ?? defaults.revalidate,
    webEngagement: options.webEngagement ?? defaults.webEngagement,
    retry: resolveRetryPolicy(options.retry),
    fetch: options.fetch,
    queryClient: options.queryClient,
    timeoutMs: resolveTimeout(options.timeoutMs),
    storageTimeoutMs: numberOption(
      'storageTimeoutMs',
      options.storageTimeoutMs,
      defaults.storageTimeoutMs,
      '> 0',
    ),
    coalesceMs: numberOption('coalesceMs', options.coalesceMs, defaults.coalesceMs, '>= 0'),
    lockTimeoutMs: numberOption('lockTimeoutMs', options.lockTimeoutMs, defaults.lockTimeoutMs, '> 0'),
    locks: options.locks === undefined ? (environment.navigator?.locks ?? null) : options.locks,
    BroadcastChannel:
      options.BroadcastChannel === undefined
        ? (globalThis.BroadcastChannel ?? null)
        : options.BroadcastChannel,
    onEvent: options.onEvent,
  });
}

function isStore(value: unknown): value is KeyValueStore {
  const store = value as Partial<KeyValueStore> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.get === 'function' &&
    typeof store.set === 'function' &&
    typeof store.del === 'function'
  );
}
