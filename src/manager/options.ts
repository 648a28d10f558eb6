import type { QueryClient } from '@tanstack/query-core';
import type { Lifetime } from '../core/lifetime.js';
import { checkValues } from '../http/checks.js';
import { resolveTimeout } from '../http/client.js';
import { resolveRetryPolicy } from '../http/retryPolicy.js';
import { resolveServer } from '../http/serverUrl.js';
import type {
  ChannelSource,
  KeyValueStore,
  LockManagerLike,
  RetryPolicy,
  ServerLocation,
  SessionEvent,
  SessionManagerOptions,
} from '../types.js';
import { numberOption } from '../utils/numberOption.js';

export interface ResolvedOptions {
  readonly server: ServerLocation;
  /** One stored record, lock and channel per server: `baseUrl` and `tenantId` together. */
  readonly key: string;
  /** The name of the server's lock, channel and update scope, for every manager of it in the browser. */
  readonly scope: string;
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
  /** The IndexedDB given, or undefined for the page's own, looked up when the store first opens. */
  readonly indexedDB: IDBFactory | undefined;
  readonly locks: LockManagerLike | null;
  readonly BroadcastChannel: ChannelSource | null;
  readonly onEvent: ((event: SessionEvent) => void) | undefined;
  /** `idleTimeoutMs` and `maxAgeMs` (Infinity for the one not given); null when neither is. */
  readonly lifetime: Lifetime | null;
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
export function resolveOptions(options: SessionManagerOptions, page?: string): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object with baseUrl');
  }
  const server = resolveServer(options.baseUrl, options.tenantId, page);
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
  if (options.indexedDB !== undefined && typeof options.indexedDB?.open !== 'function') {
    throw new TypeError('indexedDB must be an IDBFactory');
  }
  const channel = options.BroadcastChannel;
  const never = Number.POSITIVE_INFINITY;
  const idleMs = numberOption('idleTimeoutMs', options.idleTimeoutMs, never, '> 0');
  const maxAgeMs = numberOption('maxAgeMs', options.maxAgeMs, never, '> 0');
  const key = `${server.baseUrl}|${server.tenantId ?? ''}`;
  return Object.freeze({
    server,
    key,
    scope: `gkc-session:${key}`,
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
    indexedDB: options.indexedDB,
    locks: options.locks === undefined ? pageGlobal(() => globalThis.navigator?.locks) : options.locks,
    BroadcastChannel: channel === undefined ? pageGlobal(() => globalThis.BroadcastChannel) : channel,
    onEvent: options.onEvent,
    lifetime: idleMs < never || maxAgeMs < never ? { idleMs, maxAgeMs } : null,
  });
}

/**
 * One of the page's globals, or null where there is none. Looking one up is not I/O; a getter that throws (as
 * some do in locked-down frames) counts as none.
 */
function pageGlobal<T>(lookUp: () => T | undefined): T | null {
  try {
    return lookUp() ?? null;
  } catch {
    return null;
  }
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
