import { QueryClient, timeoutManager } from '@tanstack/query-core';
import { DestroyedError, isSessionErrorWithCode, type StorageError } from './errors.js';
import { type ResolvedOptions, resolveOptions, type SessionManagerOptions } from './options.js';
import type { Batch, FieldValues } from './outbox.js';
import { watchPageLifecycle } from './pageLifecycle.js';
import type { SessionInfo } from './schemas.js';
import { checkHeaderId, checkId } from './serverUrl.js';
import { type ChannelMessage, SessionChannel } from './sessionChannel.js';
import {
  type Identity,
  type SessionClient,
  sessionClientFor,
  transportOf,
  type VisitData,
} from './sessionClient.js';
import { fetchUnderSession } from './sessionFetch.js';
import { withSessionLock } from './sessionLock.js';
import { sessionQueryKey } from './sessionQuery.js';
import {
  type SessionChangeReason,
  type SessionSnapshot,
  SessionState,
  type SnapshotListener,
} from './sessionState.js';
import { SessionStore } from './sessionStore.js';
import { isEmpty, missingValues, pickValues, sameSession, sameValues, withValues } from './sessionValues.js';
import { UpdateQueue } from './updateQueue.js';
import { watchWebEngagement } from './webEngagement.js';

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

/**
 * Stored sessions already checked with the server by a manager of this page: a second manager for the same
 * server (or the remount React Strict Mode does) does not check again.
 */
const revalidated = new Set<string>();

class Manager {
  readonly #options: ResolvedOptions;
  readonly #client: SessionClient;
  readonly #store: SessionStore;
  readonly #state: SessionState;
  readonly #channel: SessionChannel;
  readonly #queryClient: QueryClient;
  readonly queryKey: readonly unknown[];
  readonly #queue: UpdateQueue;
  readonly #abort = new AbortController();
  /** The session as the server last acknowledged it. */
  #acked: SessionInfo | null = null;
  /** What this manager wants the server to hold: identity and visit values, acknowledged or not. */
  #wanted: FieldValues;
  #starting = false;
  /** Set while `reset()` runs: the session being made is anonymous. */
  #resetting = false;
  /** Set when another tab announced a replacement: its session is adopted whoever it belongs to. */
  #following = false;
  #waiters: { resolve: (session: SessionInfo) => void; reject: (error: unknown) => void }[] = [];
  #detachLifecycle: (() => void) | null = null;
  /** The last session shown: kept while a replacement is under way, for `change.previousSessionId`. */
  #lastSessionId: string | null = null;
  /** Changes another tab made and has not had acknowledged: shown and kept in the store, sent by that tab. */
  #remotePending: FieldValues = {};
  /** When the holder of the lock (another tab or manager) last said it was still at work. */
  #holderSeenAt = 0;
  /** Store writes, in order: the outbox reaches the store before anything is sent. */
  #persisting: Promise<void> = Promise.resolve();

  constructor(options: ResolvedOptions) {
    this.#options = options;
    const { server } = options;
    this.#client = sessionClientFor({
      server,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
    });
    this.#store = new SessionStore({
      storage: options.storage,
      key: options.key,
      timeoutMs: options.storageTimeoutMs,
      onFallback: (error) => this.#onStorageFallback(error),
    });
    this.#channel = new SessionChannel(`gkc-session:${options.key}`, options.BroadcastChannel, (message) =>
      this.#onMessage(message),
    );
    this.#queryClient = options.queryClient ?? new QueryClient();
    this.queryKey = sessionQueryKey(server.baseUrl, server.tenantId);
    this.#queue = new UpdateQueue({
      queryClient: this.#queryClient,
      mutationKey: [...this.queryKey, 'update'],
      scopeId: `gkc-session:${options.key}`,
      retry: options.retry,
      deliver: () => this.#deliver(),
      onDeferred: (error) => this.#fail(error),
      coalesceMs: options.coalesceMs,
    });
    this.#wanted = pickValues(options);
    this.#state = new SessionState({
      status: 'idle',
      session: null,
      error: null,
      storage: this.#store.kind,
      pendingUpdates: 0,
      change: null,
      storageError: null,
    });
  }

  get snapshot(): SessionSnapshot {
    return this.#state.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.#state.subscribe(listener);
  }

  get #destroyed(): boolean {
    return this.#abort.signal.aborted;
  }

  ready(): Promise<SessionInfo> {
    if (this.#destroyed) return Promise.reject(new DestroyedError());
    const { status, session } = this.snapshot;
    if (status === 'ready' && session) return Promise.resolve(session);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#start(false);
    });
  }

  async update(patch: VisitData): Promise<SessionInfo> {
    if (typeof patch !== 'object' || patch === null)
      throw new TypeError('update takes an object { visitId, globalVisitId }');
    checkId('visitId', patch.visitId);
    checkId('globalVisitId', patch.globalVisitId);
    return this.#change(
      pickValues({ visitId: patch.visitId, globalVisitId: patch.globalVisitId }),
      'updated',
    );
  }

  async identify(identity: Identity): Promise<SessionInfo> {
    if (typeof identity !== 'object' || identity === null) throw new TypeError('identity must be an object');
    checkHeaderId('customerId', identity.customerId);
    checkHeaderId('agentId', identity.agentId);
    const values = pickValues({ customerId: identity.customerId, agentId: identity.agentId });
    const session = await this.ready();
    const customerId = values.customerId;
    if (customerId !== undefined && session.customerId !== undefined && session.customerId !== customerId) {
      // One customer's session is never reused for another: a new session, created for them.
      // Kept as a pending change so that it survives a message from another tab while the lock is awaited.
      this.#queue.outbox.add(values);
      this.#wanted = { ...this.#wanted, ...values };
      return this.#reported(this.#establish('customer-changed', true));
    }
    // Already acknowledged for this session: nothing to tell the server.
    if (this.#acked && isEmpty(missingValues(this.#acked, values))) return session;
    return this.#change(values, 'identified');
  }

  async reset(): Promise<SessionInfo> {
    if (this.#destroyed) throw new DestroyedError();
    this.#attach();
    // Anonymous from now on; the visit (a browsing visit) goes on. The flag keeps the identity out of what
    // is wanted until the new session exists, whatever arrives from other tabs while the lock is awaited.
    this.#resetting = true;
    this.#wanted = pickValues({ visitId: this.#wanted.visitId, globalVisitId: this.#wanted.globalVisitId });
    try {
      return await this.#reported(this.#establish('reset', true));
    } finally {
      this.#resetting = false;
    }
  }

  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (this.#destroyed) return Promise.reject(new DestroyedError());
    const transport = transportOf(this.#options.fetch);
    return fetchUnderSession(
      {
        server: this.#options.server,
        transport,
        timeoutMs: this.#options.timeoutMs,
        signal: this.#abort.signal,
        ready: () => this.ready(),
        recover: (lostId) => this.#locked(() => this.#recoverLocked(lostId)),
      },
      input,
      init,
    );
  }

  destroy(): void {
    if (this.#destroyed) return;
    const error = new DestroyedError();
    this.#abort.abort(error);
    this.#state.set({ status: 'destroyed' });
    this.#rejectWaiters(error);
    this.#queue.outbox.rejectAll(error);
    this.#queue.stop();
    this.#detachLifecycle?.();
    this.#channel.close();
    this.#store.close();
    // A QueryClient of our own would otherwise live on through its cache's garbage-collection timers.
    if (!this.#options.queryClient) this.#queryClient.clear();
    this.#state.dispose();
  }

  /**
   * A change of synced values (`update`, `identify` of the same customer): shown at once, written to the
   * store with the outbox, then delivered. Settles when the server has acknowledged it.
   */
  async #change(values: FieldValues, reason: SessionChangeReason): Promise<SessionInfo> {
    if (this.#destroyed) throw new DestroyedError();
    if (isEmpty(values)) return this.ready();
    this.#wanted = { ...this.#wanted, ...values };
    const acknowledged = this.#queue.outbox.change(values);
    if (this.#acked) {
      this.#commit(this.#acked, reason, false);
      this.#post(this.#acked, reason);
      this.#persist();
    } else {
      this.ready().catch(() => {}); // the Create will carry the values; its failure is the snapshot's
    }
    this.#queue.flush();
    return acknowledged;
  }

  /** The mutation's work: sends the outbox to the current session, under the lock, and acknowledges it. */
  async #deliver(): Promise<void> {
    await this.#persisting;
    await this.ready();
    await this.#locked(async () => {
      const record = await this.#store.read();
      this.#throwIfDestroyed();
      const acked = this.#acked;
      if (!acked) return;
      // Two tabs loading at once both find the stored outbox: the one that got the lock first sent it.
      if (
        record &&
        record.session.sessionId === acked.sessionId &&
        this.#queue.outbox.sentElsewhere(record)
      ) {
        this.#commit(record.session, null, false);
      }
      const batch = this.#queue.outbox.batch();
      if (isEmpty(batch.values)) return this.#queue.outbox.settle(this.#shown(acked));
      // Two tabs may identify different customers on one anonymous session at once, and an identifying
      // Update whose answer was lost (a closed tab, a timeout) may have reached the server all the same: the
      // stored record says who has, or may have, this session. Anyone else gets a new session instead.
      const sameRecord = record?.session.sessionId === acked.sessionId;
      const holder = sameRecord ? (record.session.customerId ?? record.pending.customerId) : acked.customerId;
      const customerId = batch.values.customerId;
      if (customerId !== undefined && holder !== undefined && holder !== customerId) {
        return void (await this.#replaceLocked('customer-changed'));
      }
      let answer: SessionInfo;
      const sent = this.#wanted;
      try {
        answer = await this.#client.update(acked.sessionId, sent, {
          signal: this.#abort.signal,
          retry: once,
        });
      } catch (error) {
        if (isSessionErrorWithCode(error, 'session-not-found'))
          return void (await this.#recoverLocked(acked.sessionId));
        if (!this.#destroyed && !(error as { retryable?: boolean }).retryable)
          await this.#refuse(batch, error);
        throw error;
      }
      this.#throwIfDestroyed();
      this.#queue.outbox.acknowledge(batch);
      // 8.5.1 answers an Update of an unknown id with a session it created, holding the data.
      if (answer.sessionId !== acked.sessionId) {
        return void (await this.#adoptReplacementLocked(acked.sessionId, { ...answer, ...sent }));
      }
      // The change was reported when it was made; the acknowledgement only confirms it. The server holds
      // what it accepted even when its answer does not echo it.
      await this.#save({ ...answer, ...sent }, null);
    });
  }

  /** The server refused a change for good: roll its values back to the acknowledged ones, everywhere. */
  async #refuse(batch: Batch, error: unknown): Promise<void> {
    // Dropped from the outbox, the refused values give way to the acknowledged ones when the session is shown.
    this.#queue.outbox.refuse(batch, error);
    if (this.#acked) await this.#save(this.#acked, 'updated', error as Error);
  }

  /** The page-load path: one store read; a usable session ends it, otherwise one Create under the lock. */
  #start(skipStoredRead: boolean): void {
    if (this.#starting || this.#destroyed) return;
    this.#starting = true;
    // The read goes first: IndexedDB opens in the browser's process while this thread sets up the rest.
    const reading = skipStoredRead ? null : this.#store.read();
    this.#attach();
    this.#state.set({ status: 'starting' });
    const run = async () => {
      const record = await reading;
      this.#throwIfDestroyed();
      if (this.snapshot.status === 'ready') return; // another tab's session arrived meanwhile
      if (record && this.#belongsHere(record.session)) return this.#restore(record.session, record.pending);
      await this.#establish(record ? 'customer-changed' : 'created', false);
    };
    // Cleared before the waiters hear of a failure: a ready() called from their handlers starts afresh.
    run().then(
      () => {
        this.#starting = false;
      },
      (error: unknown) => {
        this.#starting = false;
        this.#fail(error);
      },
    );
  }

  /**
   * Shows the stored session at once. What it does not hold yet (changes a closed page left in the outbox,
   * values the page gave in its options) goes out as one Update, which checks the session too; otherwise a
   * Retrieve checks it, in the background.
   */
  #restore(stored: SessionInfo, pending: FieldValues): void {
    const unsent = { ...pending, ...missingValues(stored, this.#wanted) };
    this.#queue.outbox.add(unsent);
    this.#commit(stored, 'restored', false);
    if (!isEmpty(unsent)) {
      this.#persist();
      this.#queue.flush();
    } else if (this.#options.revalidate && !revalidated.has(`${this.#options.key}|${stored.sessionId}`)) {
      // In the next task, once the application has taken its session: the check never competes with the
      // page's own first work, and no request leaves before ready() has resolved.
      timeoutManager.setTimeout(() => {
        // Not if the session changed meanwhile: its identity must not travel with another session's id.
        if (this.#destroyed || this.#acked?.sessionId !== stored.sessionId) return;
        this.#background(this.#revalidate(stored.sessionId));
      }, 0);
    }
  }

  /** Retrieve: the server may answer with a new session (9.x, 8.5.0) or "Session not found" (8.5.1). */
  async #revalidate(sessionId: string): Promise<void> {
    let answer: SessionInfo;
    try {
      // The identity the session was acknowledged with: a change under way may be for another customer.
      const identity = pickValues({ customerId: this.#acked?.customerId, agentId: this.#acked?.agentId });
      answer = await this.#client.retrieve(sessionId, identity, { signal: this.#abort.signal });
    } catch (error) {
      if (isSessionErrorWithCode(error, 'session-not-found')) {
        await this.#locked(() => this.#recoverLocked(sessionId));
        return;
      }
      throw error;
    }
    revalidated.add(`${this.#options.key}|${sessionId}`);
    if (answer.sessionId !== sessionId) {
      await this.#locked(() => this.#adoptReplacementLocked(sessionId, answer));
    } else if (this.#acked?.sessionId === sessionId) {
      // A server that does not echo every value still holds the ones it acknowledged before.
      this.#commit({ ...this.#acked, ...answer }, null, false);
    }
  }

  /**
   * The server replaced `lostId` with `answer` (lock held): adopt it, unless another tab already moved on.
   * What the replacement does not hold yet (the visit data a Retrieve cannot carry) goes out as an Update.
   */
  async #adoptReplacementLocked(lostId: string, answer: SessionInfo): Promise<SessionInfo> {
    const moved = await this.#movedOn(lostId);
    if (moved) return moved;
    // Pending changes stay pending (their callers wait for this session to acknowledge them), with the rest
    // of what the replacement lacks.
    this.#queue.outbox.add(missingValues(answer, this.#wanted));
    await this.#save(answer, 'replaced');
    this.#queue.flush();
    return this.#shown(answer);
  }

  /** The server does not know `lostId` (lock held): create a new session with the wanted values. */
  async #recoverLocked(lostId: string): Promise<SessionInfo> {
    return (await this.#movedOn(lostId)) ?? this.#create('not-found');
  }

  /**
   * Under the lock, re-reads the store: if it holds a usable session other than `lostId`, another tab (or
   * manager) already dealt with the loss and that session is adopted. Returns it, or null to go ahead.
   */
  async #movedOn(lostId: string): Promise<SessionInfo | null> {
    const record = await this.#store.read();
    this.#throwIfDestroyed();
    const current = this.snapshot.session;
    if (current && current.sessionId !== lostId) return current;
    if (record && record.session.sessionId !== lostId && this.#belongsHere(record.session)) {
      this.#adopt(record.session, record.pending, 'restored');
      return this.snapshot.session;
    }
    return null;
  }

  /**
   * Creates a session under the lock, after re-reading the store: a session another tab stored while this
   * one waited is adopted instead (the second check is what makes the Create happen once). `replace` is
   * for `reset()` and a customer switch, which create whatever is stored: the old session is forgotten in
   * every tab first, so that no request goes out under it for the wrong person while the Create runs.
   */
  async #establish(reason: SessionChangeReason, replace: boolean): Promise<SessionInfo> {
    return this.#locked(async () => {
      const record = await this.#store.read();
      this.#throwIfDestroyed();
      const stored = record?.session;
      // A session another tab announced while this one waited for the lock is already in use here.
      const current = this.#acked;
      if (!replace && current && this.#belongsHere(current)) return this.snapshot.session ?? current;
      const switchedAlready = reason === 'customer-changed' && stored?.customerId === this.#wanted.customerId;
      if (stored && this.#belongsHere(stored) && (!replace || switchedAlready)) {
        if (stored.sessionId !== this.#acked?.sessionId)
          this.#adopt(stored, record?.pending ?? {}, 'restored');
        return this.snapshot.session ?? stored;
      }
      return replace ? this.#replaceLocked(reason) : this.#create(reason);
    });
  }

  /** Forgets the session in every tab, then creates its successor (lock held). */
  async #replaceLocked(reason: SessionChangeReason): Promise<SessionInfo> {
    this.#remotePending = {}; // another tab's pending identity must not come back with the successor
    await this.#store.remove();
    this.#channel.post({ type: 'forget' });
    this.#acked = null;
    this.#state.set({ session: null, status: 'starting' });
    this.#queryClient.setQueryData(this.queryKey, null);
    return this.#create(reason);
  }

  /** One Create with every wanted value: whatever was pending is acknowledged by it. */
  async #create(reason: SessionChangeReason): Promise<SessionInfo> {
    const batch = this.#queue.outbox.batch();
    const sent = this.#wanted;
    const info = { ...(await this.#client.create(sent, { signal: this.#abort.signal })), ...sent };
    this.#throwIfDestroyed();
    this.#queue.outbox.acknowledge(batch);
    await this.#save(info, reason);
    return this.#shown(info);
  }

  /** Stores an acknowledged session with the outbox, tells the others, shows it, and settles the callers. */
  async #save(
    acked: SessionInfo,
    reason: SessionChangeReason | null,
    error: Error | null = null,
  ): Promise<void> {
    this.#acked = acked;
    await this.#persist();
    this.#throwIfDestroyed();
    this.#post(acked, reason ?? 'updated');
    this.#commit(acked, reason, false, error);
    this.#queue.outbox.settle(this.#shown(acked));
  }

  #post(acked: SessionInfo, reason: SessionChangeReason): void {
    this.#channel.post({ type: 'session', session: acked, pending: this.#queue.outbox.values(), reason });
  }

  /** Writes the acknowledged session and the outbox (other tabs' too), after any write already under way. */
  #persist(): Promise<void> {
    const acked = this.#acked;
    if (!acked) return this.#persisting;
    this.#persisting = this.#persisting
      .then(() => this.#store.write(acked, { ...this.#remotePending, ...this.#queue.outbox.values() }))
      .catch(() => {}); // a store failure moves the record to memory and is reported there
    return this.#persisting;
  }

  /**
   * Follows a session another tab or manager made (acknowledged `session`, and the changes that tab still
   * has pending); this manager's own pending changes stay on top, and go to that session.
   */
  #adopt(session: SessionInfo, pending: FieldValues, reason: SessionChangeReason): void {
    this.#following = false;
    this.#remotePending = pending;
    const before = this.snapshot.session;
    // An acknowledgement of what was already shown changes nothing the application can see.
    const visible = !before || !sameSession(before, withValues(session, this.#wantedFor(session)));
    this.#commit(session, visible ? reason : null, true);
    this.#queue.flush();
  }

  #onMessage(message: ChannelMessage): void {
    if (this.#destroyed) return;
    if (message.type === 'busy') {
      this.#holderSeenAt = Date.now();
      return;
    }
    if (message.type === 'forget') {
      // Another tab is replacing the session (reset, another customer): stop using the old one now, and take
      // the new one, whoever it belongs to, from the channel or from the store once the lock is free.
      this.#following = true;
      this.#acked = null;
      this.#state.set({ session: null, status: 'starting' });
      this.#start(true);
      return;
    }
    const pending = pickValues(message.pending);
    if (!sameSession(this.#acked, message.session) || !sameValues(this.#remotePending, pending)) {
      this.#adopt(message.session, pending, message.reason);
    }
  }

  /** Shows `acked` with the wanted values; a `reason` of null merges what the server said, unreported. */
  #commit(
    acked: SessionInfo,
    reason: SessionChangeReason | null,
    remote: boolean,
    error: Error | null = null,
  ): void {
    this.#acked = acked;
    this.#wanted = this.#wantedFor(acked);
    const previousSessionId = this.#lastSessionId;
    this.#lastSessionId = acked.sessionId;
    this.#state.set({
      status: 'ready',
      error,
      ...(reason && { change: { reason, sessionId: acked.sessionId, previousSessionId, remote } }),
    });
    this.#show();
    const session = this.snapshot.session ?? this.#shown(acked);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(session);
  }

  /** Publishes the current session (snapshot and query cache) and the outbox size. */
  #show(): void {
    if (!this.#acked) return;
    const session = this.#shown(this.#acked);
    this.#state.set({
      session: sameSession(this.snapshot.session, session) ? this.snapshot.session : session,
      pendingUpdates: this.#queue.outbox.size,
    });
    this.#queryClient.setQueryData(this.queryKey, this.snapshot.session);
  }

  /** What the server should hold: the acknowledged values, under the changes still pending here or elsewhere. */
  #wantedFor(acked: SessionInfo): FieldValues {
    const wanted = { ...pickValues(acked), ...this.#remotePending, ...this.#queue.outbox.values() };
    if (this.#resetting) {
      delete wanted.customerId;
      delete wanted.agentId;
    }
    return wanted;
  }

  #shown(acked: SessionInfo): SessionInfo {
    return withValues(acked, this.#wanted);
  }

  #fail(error: unknown): void {
    if (this.#destroyed) return;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.#state.set({ error: failure, ...(this.snapshot.session ? {} : { status: 'error' as const }) });
    if (!this.snapshot.session) this.#rejectWaiters(error);
  }

  #rejectWaiters(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** Work whose caller gets the rejection: the snapshot shows it too. */
  async #reported<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  /** Work that nobody awaits: its failure is shown in the snapshot, never an unhandled rejection. */
  #background(work: Promise<unknown>): void {
    work.catch((error: unknown) => this.#fail(error));
  }

  #onStorageFallback(error: StorageError): void {
    if (this.#destroyed) return;
    this.#state.set({ storage: 'memory', storageError: error, error });
  }

  async #locked<T>(work: () => Promise<T>): Promise<T> {
    const { result } = await withSessionLock(
      `gkc-session:${this.#options.key}`,
      {
        locks: this.#options.locks,
        timeoutMs: this.#options.lockTimeoutMs,
        signal: this.#abort.signal,
        heartbeat: () => this.#channel.post({ type: 'busy' }),
        holderAlive: () => Date.now() - this.#holderSeenAt < this.#options.lockTimeoutMs,
      },
      async () => {
        this.#throwIfDestroyed();
        return work();
      },
    );
    return result;
  }

  #belongsHere(session: SessionInfo): boolean {
    const customerId = this.#wanted.customerId;
    return (
      this.#following ||
      customerId === undefined ||
      session.customerId === undefined ||
      session.customerId === customerId
    );
  }

  #throwIfDestroyed(): void {
    if (this.#destroyed) throw this.#abort.signal.reason;
  }

  /**
   * Starts what the manager needs once in use: the channel, the update queue's watch on connectivity, the
   * Web Engagement tracker when asked, and the page lifecycle (release on `pagehide`, catch up from the
   * store on `pageshow`).
   */
  #attach(): void {
    if (this.#detachLifecycle) return;
    this.#channel.open();
    this.#queue.start();
    const stopTracker = this.#options.webEngagement
      ? watchWebEngagement((ids) => {
          // Only what changed: the tracker answers the same ids on every focus.
          if (!sameValues({ ...this.#wanted, ...pickValues(ids) }, this.#wanted)) {
            this.update(ids).catch(() => {}); // a refusal is reported in the snapshot
          }
        })
      : () => {};
    const stopPage = watchPageLifecycle({
      onHide: () => {
        this.#channel.close();
        this.#store.close();
      },
      onRestore: () => {
        if (this.#destroyed) return;
        this.#channel.open();
        // Messages sent while the page was in the cache are lost: the store says what changed meanwhile.
        this.#background(this.#catchUp());
      },
    });
    this.#detachLifecycle = () => {
      stopTracker();
      stopPage();
    };
  }

  async #catchUp(): Promise<void> {
    const record = await this.#store.read();
    if (this.#destroyed || !record) return;
    const { pending } = record;
    if (!sameSession(this.#acked, record.session) || !sameValues(this.#remotePending, pending)) {
      this.#adopt(record.session, pending, 'restored');
    }
  }
}

/** Within a mutation, query-core does the retrying: each Update is one try. */
const once = Object.freeze({ attempts: 1, minDelayMs: 0, maxDelayMs: 0 });

/**
 * Creates a session manager. Validates the options (a `TypeError` names the bad one) and does nothing else:
 * no storage, network, lock or channel is touched until `ready()` (or a method that needs the session).
 *
 * @example
 * const manager = createSessionManager({ baseUrl: '/gks-server/v1', customerId: user?.id });
 * const { sessionId } = await manager.ready();
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const manager = new Manager(resolveOptions(options));
  // Plain functions, so they can be passed around unbound: useSyncExternalStore(manager.subscribe, ...).
  return {
    ready: () => manager.ready(),
    getSnapshot: () => manager.snapshot,
    subscribe: (listener) => manager.subscribe(listener),
    update: (patch) => manager.update(patch),
    identify: (identity) => manager.identify(identity),
    fetch: (input, init) => manager.fetch(input, init),
    reset: () => manager.reset(),
    destroy: () => manager.destroy(),
    queryKey: manager.queryKey,
  };
}
