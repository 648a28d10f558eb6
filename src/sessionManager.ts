import { DestroyedError, isSessionErrorWithCode, type StorageError } from './errors';
import { type ResolvedOptions, resolveOptions, type SessionManagerOptions } from './options';
import type { SessionInfo } from './schemas';
import { checkHeaderId } from './serverUrl';
import { type ChannelMessage, SessionChannel } from './sessionChannel';
import { createSessionClient, type Identity, type SessionClient, type VisitData } from './sessionClient';
import { withSessionLock } from './sessionLock';
import {
  type SessionChangeReason,
  type SessionSnapshot,
  SessionState,
  type SnapshotListener,
} from './sessionState';
import { SessionStore } from './sessionStore';

/** The session layer of a Knowledge Center front end. See `createSessionManager`. */
export interface SessionManager {
  /** Resolves once a session is known: the stored one (no network wait) or a newly created one. */
  ready(): Promise<SessionInfo>;
  /** The current state; the same object until something changes. */
  getSnapshot(): SessionSnapshot;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: SnapshotListener): () => void;
  /** An anonymous session becomes a recognised one (same session); a different customer gets a new session. */
  identify(identity: Identity): Promise<SessionInfo>;
  /** Forgets the session in every tab and creates a new anonymous one (logout). */
  reset(): Promise<SessionInfo>;
  /** Stops the manager: aborts requests, releases lock, channel and storage, detaches listeners. Idempotent. */
  destroy(): void;
}

/**
 * Stored sessions already checked with the server by a manager of this page: a second manager for the same
 * server (or the remount React Strict Mode does) does not check again.
 */
const revalidated = new Set<string>();

const fields = ['customerId', 'agentId', 'visitId', 'globalVisitId'] as const;

class Manager {
  readonly #options: ResolvedOptions;
  readonly #client: SessionClient;
  readonly #store: SessionStore;
  readonly #state: SessionState;
  readonly #channel: SessionChannel;
  readonly #abort = new AbortController();
  /** What this manager wants the server to hold: the identity and visit values, acknowledged or not. */
  #wanted: Identity & VisitData;
  #starting = false;
  /** Set when another tab announced a replacement: its session is adopted whoever it belongs to. */
  #following = false;
  #waiters: { resolve: (session: SessionInfo) => void; reject: (error: unknown) => void }[] = [];
  #detachLifecycle: (() => void) | null = null;
  /** The last session shown: kept while a replacement is under way, for `change.previousSessionId`. */
  #lastSessionId: string | null = null;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#client = createSessionClient({
      baseUrl: options.server.baseUrl,
      ...(options.server.tenantId !== undefined && { tenantId: options.server.tenantId }),
      ...(options.fetch && { fetch: options.fetch }),
      timeoutMs: options.timeoutMs,
      retry: options.retry,
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
    this.#wanted = defined<Identity & VisitData>(pick(options));
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

  async identify(identity: Identity): Promise<SessionInfo> {
    if (typeof identity !== 'object' || identity === null) throw new TypeError('identity must be an object');
    checkHeaderId('customerId', identity.customerId);
    checkHeaderId('agentId', identity.agentId);
    const session = await this.ready();
    const switching =
      identity.customerId !== undefined &&
      session.customerId !== undefined &&
      session.customerId !== identity.customerId;
    if (
      !switching &&
      fields.every((key) => key in identity === false || identity[key as keyof Identity] === session[key])
    ) {
      return session; // the server holds this identity already
    }
    this.#wanted = defined({ ...this.#wanted, ...identity });
    return this.#reported(
      switching
        ? this.#establish('customer-changed', true)
        : this.#sendUpdate(session.sessionId, 'identified'),
    );
  }

  async reset(): Promise<SessionInfo> {
    if (this.#destroyed) throw new DestroyedError();
    this.#attachLifecycle();
    // Anonymous from now on; the visit (a browsing visit) goes on.
    this.#wanted = defined<VisitData>({
      visitId: this.#wanted.visitId,
      globalVisitId: this.#wanted.globalVisitId,
    });
    return this.#reported(this.#establish('reset', true));
  }

  destroy(): void {
    if (this.#destroyed) return;
    const error = new DestroyedError();
    this.#abort.abort(error);
    this.#state.set({ status: 'destroyed' });
    this.#rejectWaiters(error);
    this.#detachLifecycle?.();
    this.#channel.close();
    this.#store.close();
    this.#state.dispose();
  }

  /** The page-load path: one store read; a usable session ends it, otherwise one Create under the lock. */
  #start(skipStoredRead: boolean): void {
    if (this.#starting || this.#destroyed) return;
    this.#starting = true;
    this.#attachLifecycle();
    this.#state.set({ status: 'starting' });
    const run = async () => {
      const record = skipStoredRead ? null : await this.#store.read();
      this.#throwIfDestroyed();
      if (this.snapshot.status === 'ready') return; // another tab's session arrived meanwhile
      if (record && this.#belongsHere(record.session)) return this.#restore(record.session);
      await this.#establish(record ? 'customer-changed' : 'created', false);
    };
    run()
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#starting = false;
      });
  }

  #restore(stored: SessionInfo): void {
    // Values the page gave in its options win over the stored ones; the server is told in the background.
    this.#wanted = defined({ ...pick(stored), ...this.#wanted });
    const session = this.#withWanted(stored);
    this.#commit(session, 'restored', false);
    const reason = differs(stored, session, ['customerId', 'agentId'])
      ? 'identified'
      : differs(stored, session, ['visitId', 'globalVisitId'])
        ? 'updated'
        : null;
    if (reason) this.#background(this.#sendUpdate(stored.sessionId, reason));
    else if (this.#options.revalidate && !revalidated.has(this.#revalidationKey(stored))) {
      this.#background(this.#revalidate(stored.sessionId));
    }
  }

  /** Retrieve: the server may answer with a new session (9.x, 8.5.0) or "Session not found" (8.5.1). */
  async #revalidate(sessionId: string): Promise<void> {
    let answer: SessionInfo;
    try {
      answer = await this.#client.retrieve(sessionId, this.#identity(), { signal: this.#abort.signal });
    } catch (error) {
      if (isSessionErrorWithCode(error, 'session-not-found')) return void (await this.#recover(sessionId));
      throw error;
    }
    revalidated.add(this.#revalidationKey({ sessionId }));
    if (answer.sessionId !== sessionId) return void (await this.#adoptReplacement(sessionId, answer));
    if (this.snapshot.session?.sessionId === sessionId) this.#commit(this.#withWanted(answer), null, false);
  }

  /**
   * Update with the wanted identity and visit values; resolves with the acknowledged session. `report`
   * false is for the follow-up of a change already reported (re-sending visit data to a replacement).
   */
  async #sendUpdate(sessionId: string, reason: SessionChangeReason, report = true): Promise<SessionInfo> {
    let answer: SessionInfo;
    try {
      answer = await this.#client.update(sessionId, this.#wanted, { signal: this.#abort.signal });
    } catch (error) {
      if (isSessionErrorWithCode(error, 'session-not-found')) return this.#recover(sessionId);
      throw error;
    }
    this.#throwIfDestroyed();
    // 8.5.1 answers an Update of an unknown id with a session it created, holding the data.
    if (answer.sessionId !== sessionId) return this.#adoptReplacement(sessionId, answer);
    const session = this.#withWanted(answer);
    if (this.snapshot.session?.sessionId === sessionId) {
      await this.#store.write(session);
      this.#channel.post({ type: 'session', session, reason });
      this.#commit(session, report ? reason : null, false);
    }
    return session;
  }

  /** The server replaced `lostId` with `answer`: adopt it, unless another tab already moved on. */
  async #adoptReplacement(lostId: string, answer: SessionInfo): Promise<SessionInfo> {
    const { result } = await this.#locked(async () => {
      const moved = await this.#movedOn(lostId);
      if (moved) return moved;
      const session = this.#withWanted(answer);
      await this.#save(session, 'replaced');
      return session;
    });
    // The replacement holds what its Retrieve carried (identity headers): re-send the visit data.
    return differs(answer, result, fields) && result.sessionId === answer.sessionId
      ? this.#sendUpdate(result.sessionId, 'replaced', false)
      : result;
  }

  /** The server does not know `lostId`: create a new session with the wanted values, unless another tab did. */
  async #recover(lostId: string): Promise<SessionInfo> {
    const { result } = await this.#locked(async () => {
      const moved = await this.#movedOn(lostId);
      if (moved) return moved;
      return this.#create('not-found');
    });
    return result;
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
      this.#adopt(record.session, 'restored');
      return record.session;
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
    const { result } = await this.#locked(async () => {
      const record = await this.#store.read();
      this.#throwIfDestroyed();
      const stored = record?.session;
      if (stored && this.#belongsHere(stored) && (!replace || this.#replacedAlready(stored, reason))) {
        if (stored.sessionId !== this.snapshot.session?.sessionId) this.#adopt(stored, 'restored');
        return stored;
      }
      if (replace) {
        await this.#store.remove();
        this.#channel.post({ type: 'forget' });
        this.#state.set({ session: null, status: 'starting' });
      }
      return this.#create(reason);
    });
    return result;
  }

  /** A customer switch another tab already made for the same customer is not made twice. */
  #replacedAlready(stored: SessionInfo, reason: SessionChangeReason): boolean {
    return reason === 'customer-changed' && stored.customerId === this.#wanted.customerId;
  }

  async #create(reason: SessionChangeReason): Promise<SessionInfo> {
    const info = await this.#client.create(this.#wanted, { signal: this.#abort.signal });
    this.#throwIfDestroyed();
    const session = this.#withWanted(info);
    await this.#save(session, reason);
    return session;
  }

  /** Stores a session this manager made, tells the others, and shows it. */
  async #save(session: SessionInfo, reason: SessionChangeReason): Promise<void> {
    await this.#store.write(session);
    this.#throwIfDestroyed();
    this.#channel.post({ type: 'session', session, reason });
    this.#commit(session, reason, false);
  }

  /** Follows a session another tab or manager made. */
  #adopt(session: SessionInfo, reason: SessionChangeReason): void {
    this.#following = false;
    this.#wanted = defined(pick(session));
    this.#commit(session, reason, true);
  }

  #onMessage(message: ChannelMessage): void {
    if (this.#destroyed) return;
    if (message.type === 'forget') {
      // Another tab is replacing the session (reset, another customer): stop using the old one now, and take
      // the new one, whoever it belongs to, from the channel or from the store once the lock is free.
      this.#following = true;
      this.#state.set({ session: null, status: 'starting' });
      this.#start(true);
      return;
    }
    if (!sameSession(this.snapshot.session, message.session)) this.#adopt(message.session, message.reason);
  }

  /** Shows `session`; a `reason` of null merges what the server said without reporting a change. */
  #commit(session: SessionInfo, reason: SessionChangeReason | null, remote: boolean): void {
    const previousSessionId = this.#lastSessionId;
    this.#lastSessionId = session.sessionId;
    this.#state.set({
      session,
      status: 'ready',
      error: null,
      ...(reason && { change: { reason, sessionId: session.sessionId, previousSessionId, remote } }),
    });
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter.resolve(this.snapshot.session ?? session);
  }

  #fail(error: unknown): void {
    if (this.#destroyed) return;
    this.#state.set({
      error: error instanceof Error ? error : new Error(String(error)),
      ...(this.snapshot.session ? {} : { status: 'error' as const }),
    });
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

  #locked<T>(work: () => Promise<T>) {
    return withSessionLock(
      `gkc-session:${this.#options.key}`,
      { locks: this.#options.locks, timeoutMs: this.#options.lockTimeoutMs, signal: this.#abort.signal },
      async () => {
        this.#throwIfDestroyed();
        return work();
      },
    );
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

  #withWanted(info: SessionInfo): SessionInfo {
    return { ...info, ...this.#wanted };
  }

  #identity(): Identity {
    return defined<Identity>({ customerId: this.#wanted.customerId, agentId: this.#wanted.agentId });
  }

  #revalidationKey({ sessionId }: { sessionId: string }): string {
    return `${this.#options.key}|${sessionId}`;
  }

  #throwIfDestroyed(): void {
    if (this.#destroyed) throw this.#abort.signal.reason;
  }

  /** pagehide/pageshow: release what keeps a page out of the back/forward cache, and catch up on return. */
  #attachLifecycle(): void {
    if (this.#detachLifecycle) return;
    this.#channel.open();
    const target = globalThis as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>;
    if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') {
      this.#detachLifecycle = () => {};
      return;
    }
    const onPageHide = () => {
      this.#channel.close();
      this.#store.close();
    };
    const onPageShow = (event: PageTransitionEvent) => {
      if (!event.persisted || this.#destroyed) return;
      this.#channel.open();
      // Messages sent while the page was in the cache are lost: the store says what changed meanwhile.
      this.#background(this.#catchUp());
    };
    target.addEventListener('pagehide', onPageHide);
    target.addEventListener('pageshow', onPageShow);
    this.#detachLifecycle = () => {
      target.removeEventListener?.('pagehide', onPageHide);
      target.removeEventListener?.('pageshow', onPageShow);
    };
  }

  async #catchUp(): Promise<void> {
    const record = await this.#store.read();
    if (this.#destroyed || !record) return;
    if (!sameSession(this.snapshot.session, record.session)) this.#adopt(record.session, 'restored');
  }
}

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
    identify: (identity) => manager.identify(identity),
    reset: () => manager.reset(),
    destroy: () => manager.destroy(),
  };
}

/** `T` with every field optional and possibly undefined. */
type Loose<T> = { [K in keyof T]?: T[K] | undefined };

function pick(source: Loose<Identity & VisitData>): Loose<Identity & VisitData> {
  return {
    customerId: source.customerId,
    agentId: source.agentId,
    visitId: source.visitId,
    globalVisitId: source.globalVisitId,
  };
}

/** Drops undefined fields (`exactOptionalPropertyTypes` keeps "absent" and "undefined" apart). */
function defined<T extends object>(value: Loose<T>): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function differs(a: SessionInfo, b: SessionInfo, keys: readonly (typeof fields)[number][]): boolean {
  return keys.some((key) => a[key] !== b[key]);
}

function sameSession(a: SessionInfo | null, b: SessionInfo): boolean {
  return a !== null && a.sessionId === b.sessionId && !differs(a, b, fields);
}
