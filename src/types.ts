import type { QueryClient } from '@tanstack/query-core';
import type { StorageError } from './errors.js';

/**
 * The library's public vocabulary: every type an application (or another layer of the library) names. Types
 * only: importing this module runs nothing, and no implementation file imports another just for a type.
 */

// The session, and what the application gives of it.

/** The session as the server describes it. Unknown fields are kept. */
export interface SessionInfo {
  sessionId: string;
  customerId?: string;
  agentId?: string;
  visitId?: string;
  globalVisitId?: string;
  /** Fields the server added beyond the documented ones are kept as they came. */
  [field: string]: unknown;
}

/** Who is asking: sent as the `gkc_customerId` and `gkc_agentId` headers. */
export interface Identity {
  customerId?: string | undefined;
  agentId?: string | undefined;
}

/** Genesys Web Engagement ids, sent in the JSON body of Create and Update. */
export interface VisitData {
  visitId?: string | undefined;
  globalVisitId?: string | undefined;
}

// The session manager.

/** The session layer of a Knowledge Center front end. See `createSessionManager`. */
export interface SessionManager {
  /** Resolves once a session is known: the stored one (no network wait) or a newly created one. */
  ready(): Promise<SessionInfo>;
  /** The current state; the same object until something changes. */
  getSnapshot(): SessionSnapshot;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: SnapshotListener): () => void;
  /** Changes visit values: shown at once, kept until the server acknowledges them, coalesced in bursts. */
  update(patch: VisitData): Promise<SessionInfo>;
  /** An anonymous session becomes a recognised one (same session); a different customer gets a new session. */
  identify(identity: Identity): Promise<SessionInfo>;
  /** Sends a Knowledge API request under the session (`sessionId`, `tenantId`, identity headers). */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Forgets the session in every tab and creates a new anonymous one (logout). */
  reset(): Promise<SessionInfo>;
  /** Stops the manager: aborts requests, releases lock, channel and storage, detaches listeners. Idempotent. */
  destroy(): void;
  /** Where the session lives in the QueryClient: `sessionQueryKey(baseUrl, tenantId)`. */
  readonly queryKey: readonly unknown[];
}

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
   * Bound on every storage operation; past it the manager goes on in memory. A read of the session that has
   * not answered by then is not taken for "no session": the other tabs are asked for the record, and the read
   * is waited for up to `lockTimeoutMs` more before the manager goes on in memory.
   * @default 3000
   */
  storageTimeoutMs?: number | undefined;
  /**
   * Ends a session that no tab of the browser has used for this long (a Knowledge request, an update, an
   * identify, a `ready()`): the next use creates a new one with the same identity and visit values
   * (`change.reason: 'expired'`). The end comes between this and 1.1 times this after the last use: a use is
   * recorded in the store at most once per tenth of it. 30 minutes (`1_800_000`) matches web analytics.
   * @default none: a session lasts as long as the server keeps it
   * @example
   * createSessionManager({ baseUrl, idleTimeoutMs: 30 * 60_000, maxAgeMs: 24 * 60 * 60_000 });
   */
  idleTimeoutMs?: number | undefined;
  /**
   * Ends a session this old, however busy: the next use creates a new one with the same identity and visit
   * values (`change.reason: 'expired'`).
   * @default none
   */
  maxAgeMs?: number | undefined;
  /**
   * How long to wait for the cross-tab lock before going ahead without it (a frozen tab may hold it).
   * @default 5000
   */
  lockTimeoutMs?: number | undefined;
  /**
   * The IndexedDB the store opens (with `storage: 'indexeddb'`): the page's own, or the unpartitioned one a
   * Storage Access API handle gives a framed widget (`handle.indexedDB`). When it is missing, throws or
   * refuses, the manager goes on in memory (`snapshot.storageError` says why).
   * @default globalThis.indexedDB, when there is one
   * @example
   * const handle = await document.requestStorageAccess({ indexedDB: true, locks: true, BroadcastChannel: true });
   * createSessionManager({
   *   baseUrl,
   *   indexedDB: handle.indexedDB,
   *   locks: handle.locks,
   *   BroadcastChannel: (name) => handle.BroadcastChannel(name),
   * });
   */
  indexedDB?: IDBFactory | undefined;
  /**
   * The Web Locks API; null to serialise only the managers of this page. A lock manager that refuses
   * (SecurityError in a sandboxed or third-party frame) is dropped for the page's own lock.
   * @default globalThis.navigator.locks, when there is one
   */
  locks?: LockManagerLike | null | undefined;
  /**
   * What opens the channel that carries changes to other tabs: the BroadcastChannel constructor, or a
   * function of the channel's name (a Storage Access API handle's `handle.BroadcastChannel(name)` is a
   * method, not a constructor); null for none. One that throws leaves the manager without a channel.
   * @default globalThis.BroadcastChannel, when there is one
   */
  BroadcastChannel?: ChannelSource | null | undefined;
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
   * began here), `forgotten` (the session was forgotten in every tab), `expired` (the session outlived its
   * lifetime: its successor is being created here), `refused`, `took-over` (changes of a closed tab are sent
   * from here), `failed`, `storage-failed` (the store failed: the record is in memory now), `unavailable` (a
   * browser capability refused: the manager goes on without it), `destroyed`.
   */
  type: string;
  /** The session after the event (or the one it left, when it was forgotten). */
  sessionId: string | null;
  /**
   * Why the session changed, when it did (`snapshot.change.reason`); for a `cut`, `reset` or
   * `customer-changed`; for `expired`, `expired`.
   */
  reason: string | null;
  /** Whether another tab or manager caused it. */
  remote: boolean;
  /** The manager's phase after the event: idle, starting, ready, replacing, failed or destroyed. */
  phase: string;
  /** Values not yet acknowledged by the server, in this tab or another. */
  pendingUpdates: number;
  /**
   * For `unavailable` and `storage-failed`: the browser capability the manager goes on without (null for a
   * custom store). Each is told once per manager.
   */
  capability: Capability | null;
  /**
   * What failed, when something did; for `unavailable`, the error the browser threw, as it threw it (the
   * manager never rejects with it).
   */
  error: Error | null;
}

/**
 * A browser capability the manager uses, each of which may be missing or refuse (a sandboxed or third-party
 * frame, a private window): `indexedDB` gives way to memory, `locks` (Web Locks) to a lock within the page,
 * `BroadcastChannel` to no channel, `crypto.randomUUID` to an id of the page's clock and `Math.random`.
 */
export type Capability = 'indexedDB' | 'locks' | 'BroadcastChannel' | 'crypto.randomUUID';

/** What opens a BroadcastChannel: the constructor, or a function of the channel's name. */
export type ChannelSource = typeof BroadcastChannel | ((name: string) => BroadcastChannel);

// The snapshot, and why the session changed.

/**
 * Why `session` last changed (`snapshot.change.reason`):
 * - `restored`: read from the store at start;
 * - `created`: created because there was no usable session;
 * - `replaced`: the server answered with a different id (9.x and 8.5.0 create a new session for an unknown one);
 * - `not-found`: the server said "Session not found"; a new session was created;
 * - `identified`: the session was associated with a customer or agent; same id;
 * - `customer-changed`: a different customer identified: a new session was created for them;
 * - `reset`: `reset()`: the session was forgotten and a new anonymous one created;
 * - `updated`: visit values changed;
 * - `expired`: the session outlived `idleTimeoutMs` or `maxAgeMs`: a new one was created with the same
 *   identity and visit values.
 */
export type SessionChangeReason =
  | 'restored'
  | 'created'
  | 'replaced'
  | 'not-found'
  | 'identified'
  | 'customer-changed'
  | 'reset'
  | 'updated'
  | 'expired';

export interface SessionChange {
  reason: SessionChangeReason;
  sessionId: string;
  previousSessionId: string | null;
  /** True when another tab, or another manager of this page, made the change and this one followed it. */
  remote: boolean;
}

export interface SessionSnapshot {
  status: 'idle' | 'starting' | 'ready' | 'error' | 'destroyed';
  /** Includes visit values not yet acknowledged by the server. */
  session: SessionInfo | null;
  /** The last error that affected the session, if any. */
  error: Error | null;
  /** Where the session record lives now: 'memory' after the store failed, or when IndexedDB is missing. */
  storage: StorageKind;
  /** Changes kept locally that the server has not yet acknowledged. */
  pendingUpdates: number;
  /** Why `session` last changed, and who changed it. */
  change: SessionChange | null;
  /** Why the storage is 'memory' when another one was asked for; null otherwise. */
  storageError: StorageError | null;
}

export type SnapshotListener = (snapshot: SessionSnapshot) => void;

export type StorageKind = 'indexeddb' | 'memory' | 'custom';

// What the manager is given of the browser: a store, Web Locks.

/** The shape of idb-keyval's functions: what a custom store implements. */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  /** Optional: read, change and write in one transaction (idb-keyval's `update`), so tabs never interleave. */
  update?(key: string, updater: (value: unknown) => unknown): Promise<void>;
}

/** The part of the Web Locks API (`navigator.locks`) the manager uses. */
export interface LockManagerLike {
  request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
  /** Which locks are held (Web Locks' `query`): tells whether another tab still runs. Optional. */
  query?(): Promise<{ held?: { name?: string }[] }>;
}

// The Knowledge Center over HTTP.

/**
 * Where the Knowledge Center lives, and which URLs count as "under" it. Resolved once from the options;
 * every request URL is built from it.
 */
export interface ServerLocation {
  /** The API root without a trailing slash, e.g. `https://kc.example.com/gks-server/v1`. */
  readonly baseUrl: string;
  readonly origin: string;
  /** `baseUrl`'s path without a trailing slash (`''` for a root at `/`). */
  readonly basePath: string;
  readonly tenantId: string | undefined;
}

/** How retryable failures of the session calls are repeated. */
export interface RetryOptions {
  /**
   * Tries of one call, the first included.
   * @default 4
   */
  attempts?: number | undefined;
  /**
   * The delay before the first repeat; each further one doubles it.
   * @default 250
   */
  minDelayMs?: number | undefined;
  /**
   * The longest delay, `Retry-After` included.
   * @default 10000
   */
  maxDelayMs?: number | undefined;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export interface SessionClientOptions {
  /** Root of the Knowledge Center REST API: absolute, or a path resolved against the page's origin. */
  baseUrl: string | URL;
  /** Knowledge Center 9.x tenant, sent as `tenantId=` on every call. */
  tenantId?: string | undefined;
  /**
   * The transport.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch | undefined;
  /**
   * Per-attempt timeout.
   * @default 10000
   */
  timeoutMs?: number | undefined;
  /**
   * Retry policy for network errors, timeouts, 408/425/429 and 5xx; `false` for one try.
   * @default { attempts: 4, minDelayMs: 250, maxDelayMs: 10000 }
   */
  retry?: false | RetryOptions | undefined;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's retry policy for this call (the mutations retry through query-core instead). */
  retry?: RetryPolicy;
}

/** A typed client for the three session calls of the Session Management API. */
export interface SessionClient {
  readonly server: ServerLocation;
  /** `PUT /sessions/new`: a named session (identity and visit data) or an anonymous one. */
  create(input?: Identity & VisitData, options?: CallOptions): Promise<SessionInfo>;
  /** `GET /sessions/{id}`. Some servers answer an unknown id with a NEW session: compare the ids. */
  retrieve(sessionId: string, identity?: Identity, options?: CallOptions): Promise<SessionInfo>;
  /** `POST /sessions/{id}`: associates a customer (header) and visit data (body) with the session. */
  update(sessionId: string, input: Identity & VisitData, options?: CallOptions): Promise<SessionInfo>;
}

/** What a request needs to travel under a session. */
export type SessionCarrier = Pick<SessionInfo, 'sessionId' | 'customerId' | 'agentId'>;
