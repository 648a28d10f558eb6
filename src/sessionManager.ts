import { QueryClient, timeoutManager } from '@tanstack/query-core';
import { DestroyedError, isSessionErrorWithCode, type StorageError } from './errors.js';
import {
  type ResolvedOptions,
  resolveOptions,
  type SessionEvent,
  type SessionManagerOptions,
} from './options.js';
import { watchPageLifecycle } from './pageLifecycle.js';
import type { SessionInfo } from './schemas.js';
import { checkHeaderId, checkId } from './serverUrl.js';
import type { ChannelMessage } from './sessionChannel.js';
import {
  type Identity,
  type SessionClient,
  sessionClientFor,
  transportOf,
  type VisitData,
} from './sessionClient.js';
import {
  type CoreEvent,
  type CoreState,
  initialState,
  reduce,
  shownSession,
  toSnapshot,
  valuesOf,
} from './sessionCore.js';
import { fetchUnderSession } from './sessionFetch.js';
import { type HubMember, hubFor, releaseHub, type SessionHub } from './sessionHub.js';
import { withSessionLock } from './sessionLock.js';
import { type ChangeWaiter, type Intent, own, type Plan, plan, settlement } from './sessionPlan.js';
import { sessionQueryKey } from './sessionQuery.js';
import {
  type FieldValues,
  type PendingChanges,
  preciseNow,
  type RecordWrite,
  type StoredRecord,
  syncedFields,
} from './sessionRecord.js';
import { type SessionSnapshot, SessionState, type SnapshotListener } from './sessionState.js';
import { pickValues } from './sessionValues.js';
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

interface Waiter extends ChangeWaiter {
  resolve: (session: SessionInfo) => void;
  reject: (error: unknown) => void;
}

/**
 * The driver of the session core. It does the I/O (store, lock, channel, server) in order and feeds each
 * outcome back to `#dispatch`, the one writer of the state, the snapshot and the query cache. What to do is
 * decided by `plan` (sessionPlan.ts) under the cross-tab lock, after a fresh read of the store: every path
 * that needs the server (a cold start, a change, a check, a lost session, a reset) goes through `#locked`.
 */
class Manager implements HubMember {
  readonly owner: string;
  readonly queryKey: readonly unknown[];
  readonly #options: ResolvedOptions;
  readonly #client: SessionClient;
  readonly #view: SessionState;
  readonly #queryClient: QueryClient;
  readonly #queue: UpdateQueue;
  readonly #abort = new AbortController();
  #state: CoreState;
  #hub: SessionHub | null = null;
  #starting = false;
  #readyWaiters: { resolve: (session: SessionInfo) => void; reject: (error: unknown) => void }[] = [];
  #changeWaiters: Waiter[] = [];
  #detach: (() => void) | null = null;
  #releaseOwnerLock: (() => void) | null = null;
  /** Writes of this manager's own changes, in order: they reach the store before anything is sent. */
  #persisting: Promise<unknown> = Promise.resolve();
  /** The record as this manager first read it. */
  #startRead: Promise<StoredRecord | null> = Promise.resolve(null);

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.owner = randomId();
    this.#client = sessionClientFor({
      server: options.server,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
    });
    this.#queryClient = options.queryClient ?? new QueryClient();
    this.queryKey = sessionQueryKey(options.server.baseUrl, options.server.tenantId);
    this.#queue = new UpdateQueue({
      queryClient: this.#queryClient,
      mutationKey: [...this.queryKey, 'update'],
      scopeId: `gkc-session:${options.key}`,
      retry: options.retry,
      hasWork: () => Object.keys(own(this.#state)).length > 0,
      deliver: () => this.#deliver(),
      onDeferred: (error) => this.#dispatch({ type: 'failed', error: asError(error) }),
      coalesceMs: options.coalesceMs,
    });
    const storage =
      options.storage === 'memory'
        ? 'memory'
        : options.storage === 'indexeddb'
          ? typeof indexedDB !== 'undefined' && indexedDB !== null
            ? 'indexeddb'
            : 'memory'
          : 'custom';
    this.#state = initialState(this.owner, pickValues(options), storage, preciseNow());
    this.#view = new SessionState(toSnapshot(this.#state, null));
  }

  get snapshot(): SessionSnapshot {
    return this.#view.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.#view.subscribe(listener);
  }

  get #destroyed(): boolean {
    return this.#abort.signal.aborted;
  }

  ready(): Promise<SessionInfo> {
    if (this.#destroyed) return Promise.reject(new DestroyedError());
    const shown = this.#readySession();
    if (shown) return Promise.resolve(shown);
    return new Promise((resolve, reject) => {
      this.#readyWaiters.push({ resolve, reject });
      this.#start();
    });
  }

  update(patch: VisitData): Promise<SessionInfo> {
    if (typeof patch !== 'object' || patch === null)
      return Promise.reject(new TypeError('update takes an object { visitId, globalVisitId }'));
    try {
      checkId('visitId', patch.visitId);
      checkId('globalVisitId', patch.globalVisitId);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#change(pickValues({ visitId: patch.visitId, globalVisitId: patch.globalVisitId }));
  }

  async identify(identity: Identity): Promise<SessionInfo> {
    if (typeof identity !== 'object' || identity === null) throw new TypeError('identity must be an object');
    checkHeaderId('customerId', identity.customerId);
    checkHeaderId('agentId', identity.agentId);
    const values = pickValues({ customerId: identity.customerId, agentId: identity.agentId });
    const shown = this.#readySession();
    const held = (field: (typeof syncedFields)[number]) =>
      values[field] === undefined || (values[field] === shown?.[field] && !this.#state.pending[field]);
    if (shown && syncedFields.every(held)) return shown; // already acknowledged
    const customer = values.customerId;
    const holder = this.#state.session?.customerId;
    // Without a session yet, the change is made now (a reset called next cuts it); the start decides.
    if (customer === undefined || holder === undefined || holder === customer) return this.#change(values);
    // One customer's session is never reused for another: forgotten here at once (no request goes out
    // under it for the wrong person), then in every tab, and a session is created for the new customer.
    const done = this.#change(values, false);
    this.#dispatch({ type: 'cut', reason: 'customer-changed', now: preciseNow() });
    this.#locked({ type: 'replace', reason: 'customer-changed' }).catch((error: unknown) =>
      this.#fail(error),
    );
    return done;
  }

  async reset(): Promise<SessionInfo> {
    if (this.#destroyed) throw new DestroyedError();
    this.#attach();
    // Identity changes not yet acknowledged are cut here, before anything else can send them.
    this.#dispatch({ type: 'cut', reason: 'reset', now: preciseNow() });
    try {
      await this.#locked({ type: 'replace', reason: 'reset' });
    } catch (error) {
      this.#fail(error);
      throw error;
    }
    return this.ready();
  }

  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (this.#destroyed) return Promise.reject(new DestroyedError());
    return fetchUnderSession(
      {
        server: this.#options.server,
        transport: transportOf(this.#options.fetch),
        timeoutMs: this.#options.timeoutMs,
        signal: this.#abort.signal,
        ready: () => this.ready(),
        recover: async (lostId) => {
          await this.#locked({ type: 'lost', sessionId: lostId });
          return this.ready();
        },
      },
      input,
      init,
    );
  }

  destroy(): void {
    if (this.#destroyed) return;
    const error = new DestroyedError();
    this.#abort.abort(error);
    this.#dispatch({ type: 'destroyed' });
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
    for (const waiter of this.#changeWaiters.splice(0)) waiter.reject(error);
    this.#queue.stop();
    this.#detach?.();
    // A QueryClient of our own would otherwise live on through its cache's garbage-collection timers.
    if (!this.#options.queryClient) this.#queryClient.clear();
    this.#view.dispose();
  }

  // HubMember: what other managers of this server tell this one.
  onMessage(message: ChannelMessage): void {
    if (this.#destroyed) return;
    if (message.type === 'record') {
      const hadSession = this.#state.session !== null;
      this.#dispatch({ type: 'record', record: message.record, remote: true });
      // Another tab forgot the session (reset, another customer): its successor comes by message or store.
      if (hadSession && !this.#state.session) this.#start();
      if (this.#hasOwnWork()) this.#queue.flush();
    } else if (
      message.type === 'gone' &&
      syncedFields.some((f) => this.#state.pending[f]?.owner === message.owner)
    ) {
      this.#takeOver();
    }
  }

  onStorageFailed(error: StorageError): void {
    if (!this.#destroyed) this.#dispatch({ type: 'storage-failed', error });
  }

  /** The only writer of state, snapshot and query cache; settles the callers whose outcome is known. */
  #dispatch(event: CoreEvent): void {
    const before = this.#state;
    const state = reduce(before, event);
    if (state === before) return;
    this.#state = state;
    const snapshot = toSnapshot(state, this.#view.snapshot);
    this.#view.set(snapshot);
    if (snapshot.session !== null && (before.session !== state.session || this.snapshot !== snapshot))
      this.#queryClient.setQueryData(this.queryKey, snapshot.session);
    if (before.session && !state.session) this.#queryClient.setQueryData(this.queryKey, null);
    const { onEvent } = this.#options;
    if (onEvent) report(() => onEvent(traceOf(event, state, before)));
    this.#settle();
    // A change of this manager's withdrawn by what another tab did (a reset): the store, and so the other
    // tabs, must stop counting it as pending.
    if ((event.type === 'record' || event.type === 'cut') && withdrew(before, state)) this.#persist();
  }

  #settle(): void {
    const state = this.#state;
    const shown = this.#readySession();
    if (shown) for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve(shown);
    this.#changeWaiters = this.#changeWaiters.filter((waiter) => {
      const outcome = settlement(state, waiter);
      if (outcome === 'pending') return true;
      if (outcome === 'done') waiter.resolve(shownSession(state) as SessionInfo);
      else waiter.reject(outcome.error);
      return false;
    });
  }

  #readySession(): SessionInfo | null {
    const { snapshot } = this;
    return snapshot.status === 'ready' ? snapshot.session : null;
  }

  /** A change of synced values: shown at once, stored, then delivered; settles when acknowledged. */
  #change(values: FieldValues, deliver = true): Promise<SessionInfo> {
    if (this.#destroyed) return Promise.reject(new DestroyedError());
    const fields = syncedFields.filter((field) => values[field] !== undefined);
    if (fields.length === 0) return this.ready();
    this.#attach();
    this.#dispatch({ type: 'change', values, now: preciseNow(), random: Math.random() });
    const done = new Promise<SessionInfo>((resolve, reject) =>
      this.#changeWaiters.push({ fields, stamp: this.#state.clock, resolve, reject }),
    );
    const session = this.#state.session;
    if (!session) this.#start();
    this.#persist();
    if (session && deliver) this.#queue.flush();
    return done;
  }

  #hasOwnWork(): boolean {
    return Object.keys(own(this.#state)).length > 0;
  }

  /** Writes this manager's pending changes to the store (after any write already under way), and tells the others. */
  #persist(): Promise<unknown> {
    const hub = this.#attach();
    const startRead = this.#startRead;
    this.#persisting = this.#persisting
      .then(async () => {
        const write = this.#recordWrite(this.#state, false);
        // Changes made before the store was read were made under the epoch it held then.
        write.epoch ??= (await startRead)?.epoch ?? 0;
        return hub.write(write);
      })
      .then((record) => hub.post(this, { type: 'record', record }))
      .catch(() => {}); // a store failure moves the record to memory and is reported there
    return this.#persisting;
  }

  /** The page-load path: one store read; a usable session ends it, otherwise the lock decides. */
  #start(): void {
    if (this.#starting || this.#destroyed) return;
    this.#starting = true;
    const hub = this.#attach();
    // The read goes first: IndexedDB opens in the browser's process while this thread sets up the rest.
    const reading = this.#state.epoch === null ? hub.readAtStart() : null;
    if (reading) this.#startRead = reading.catch(() => null);
    this.#dispatch({ type: 'start' });
    const run = async () => {
      const record = await reading;
      this.#throwIfDestroyed();
      if (reading) this.#dispatch({ type: 'record', record, remote: false, restore: true });
      if (this.#state.session) return this.#restored(hub);
      await this.#locked({ type: 'establish' });
      if (this.#hasOwnWork()) this.#queue.flush();
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
   * The stored session is shown. What it does not hold yet (this page's options, changes a closed page left)
   * goes out as one Update, which checks the session too; otherwise a Retrieve checks it, in the background,
   * once per page load and browser (whichever manager gets there first).
   */
  #restored(hub: SessionHub): void {
    const session = this.#state.session as SessionInfo;
    const others = syncedFields.some(
      (f) => this.#state.pending[f] && this.#state.pending[f]?.owner !== this.owner,
    );
    if (others) this.#takeOver();
    if (this.#hasOwnWork()) {
      this.#persist();
      this.#queue.flush();
    } else if (others) {
      // The Update that sends them checks the session too.
    } else if (this.#options.revalidate) {
      // In the next task, once the application has taken its session: the check never competes with the
      // page's own first work, and no request leaves before ready() has resolved.
      timeoutManager.setTimeout(() => {
        if (this.#destroyed) return;
        const intent: Intent = { type: 'check', sessionId: session.sessionId, since: hub.loadedAt };
        this.#locked(intent).catch((error: unknown) => this.#fail(error));
      }, 0);
    }
  }

  /**
   * Changes of another manager: sent from here if it is gone (a closed tab), decided under the lock so that
   * one tab takes them. A failure leaves them ours, for the queue to send when it can.
   */
  #takeOver(): void {
    this.#locked({ type: 'deliver' }).catch((error: unknown) => {
      this.#fail(error);
      this.#queue.flush();
    });
  }

  /** The mutation's work: sends this manager's changes under the lock. */
  async #deliver(): Promise<void> {
    await this.#persisting;
    await this.ready();
    await this.#locked({ type: 'deliver' });
  }

  /**
   * Takes the lock, reads the store afresh, and carries out the plans for `intent` until none is left. A
   * session found lost on the way is recovered first, in the same hold of the lock.
   */
  async #locked(intent: Intent): Promise<void> {
    const hub = this.#attach();
    await withSessionLock(
      hub.lockName,
      {
        locks: this.#options.locks,
        timeoutMs: this.#options.lockTimeoutMs,
        signal: this.#abort.signal,
        heartbeat: () => hub.post(this, { type: 'busy' }),
        holderAlive: () => Date.now() - hub.holderSeenAt < this.#options.lockTimeoutMs,
      },
      async () => {
        this.#throwIfDestroyed();
        let record = await hub.store.read();
        this.#throwIfDestroyed();
        const intents = [intent];
        // Each plan moves the state on (a session, an acknowledgement, a check); the bound is a safety net.
        for (let step = 0; step < 12 && intents.length > 0; step++) {
          this.#dispatch({ type: 'record', record, remote: true });
          const owners = syncedFields.flatMap((f) => this.#state.pending[f]?.owner ?? []);
          const alive = await hub.alive(owners);
          const next = plan(this.#state, record, intents[intents.length - 1] as Intent, (o) => alive.has(o));
          if (next.type === 'none') {
            intents.pop();
            continue;
          }
          const outcome = await this.#carryOut(hub, next, record);
          this.#throwIfDestroyed();
          // A replacement answers its intent once made: planning it again would make another.
          if (next.type === 'replace') intents.pop();
          if (outcome.lost) intents.push({ type: 'lost', sessionId: outcome.lost });
          record = outcome.record;
        }
        // The last write merged with the store: what it holds now (a newer epoch, say) is taken in.
        this.#dispatch({ type: 'record', record, remote: true });
      },
    );
    // What is left to send (values a replacement lacks, changes made meanwhile) goes through the queue.
    if (this.#hasOwnWork()) this.#queue.flush();
  }

  /** One plan's I/O, its outcome fed back as events: stored, told, shown, settled, in that order. */
  async #carryOut(
    hub: SessionHub,
    next: Exclude<Plan, { type: 'none' }>,
    record: StoredRecord | null,
  ): Promise<{ record: StoredRecord | null; lost?: string }> {
    const signal = this.#abort.signal;
    switch (next.type) {
      case 'take-over':
        this.#dispatch({ type: 'took-over', fields: next.fields });
        return { record: await this.#commit(hub, null) };
      case 'create': {
        const answer = await this.#client.create(valuesOf(next.sent), { signal });
        return {
          record: await this.#commit(hub, {
            type: 'established',
            session: answer,
            sent: next.sent,
            reason: next.reason,
            epoch: this.#state.epoch ?? record?.epoch ?? 0,
            ...entropy(),
          }),
        };
      }
      case 'replace': {
        if (this.#state.phase.name !== 'replacing')
          this.#dispatch({ type: 'cut', reason: next.reason, now: preciseNow() });
        const epoch = Math.max(record?.epoch ?? 0, this.#state.epoch ?? 0) + 1;
        this.#dispatch({ type: 'forgotten', reason: next.reason, epoch, carry: next.sent });
        // Forgotten in every tab before the Create: no request goes out under it for the wrong person.
        const forgotten = await hub.write({
          owner: this.owner,
          clock: this.#state.clock,
          epoch,
          pending: own(this.#state),
          session: { session: null, stamps: {}, reason: next.reason, checkedAt: 0 },
        });
        hub.post(this, { type: 'record', record: forgotten });
        const answer = await this.#client.create(valuesOf(next.sent), { signal });
        return {
          record: await this.#commit(hub, {
            type: 'established',
            session: answer,
            sent: next.sent,
            reason: next.reason,
            epoch,
            ...entropy(),
          }),
        };
      }
      case 'retrieve': {
        let answer: SessionInfo;
        try {
          answer = await this.#client.retrieve(next.sessionId, next.identity, { signal });
        } catch (error) {
          if (isSessionErrorWithCode(error, 'session-not-found')) return { record, lost: next.sessionId };
          throw error;
        }
        if (answer.sessionId === next.sessionId)
          return { record: await this.#commit(hub, { type: 'checked', session: answer, now: Date.now() }) };
        // 9.x and 8.5.0 answer an unknown id with a session they created: that one is adopted.
        return { record: await this.#commit(hub, this.#replaced(answer, {})) };
      }
      case 'send': {
        let answer: SessionInfo;
        try {
          const values = { ...valuesOf(next.sent), ...next.identity };
          answer = await this.#client.update(next.sessionId, values, { signal, retry: once });
        } catch (error) {
          if (isSessionErrorWithCode(error, 'session-not-found')) return { record, lost: next.sessionId };
          if (!this.#destroyed && !(error as { retryable?: boolean }).retryable) {
            await this.#commit(hub, { type: 'refused', sent: next.sent, error: asError(error) });
          }
          throw error;
        }
        // 8.5.1 answers an Update of an unknown id with a session it created, holding the data.
        const event: CoreEvent =
          answer.sessionId === next.sessionId
            ? { type: 'acknowledged', session: answer, sent: next.sent }
            : this.#replaced(answer, next.sent);
        return { record: await this.#commit(hub, event) };
      }
    }
  }

  /** The server put `answer` in place of the session: adopted, and what it lacks is sent again. */
  #replaced(answer: SessionInfo, sent: PendingChanges): CoreEvent {
    return {
      type: 'established',
      session: answer,
      sent,
      reason: 'replaced',
      epoch: this.#state.epoch ?? 0,
      ...entropy(),
    };
  }

  /**
   * Stores the outcome of `event` (lock held, so the session goes with it), tells the other managers, then
   * dispatches it: a caller resolved by it finds the store and every tab already up to date.
   */
  async #commit(hub: SessionHub, event: CoreEvent | null): Promise<StoredRecord> {
    const preview = event ? reduce(this.#state, event) : this.#state;
    const record = await hub.write(this.#recordWrite(preview, true));
    this.#throwIfDestroyed();
    hub.post(this, { type: 'record', record });
    if (event) this.#dispatch(event);
    return record;
  }

  #recordWrite(state: CoreState, withSession: boolean): RecordWrite {
    const write: RecordWrite = {
      owner: this.owner,
      clock: state.clock,
      epoch: state.epoch,
      pending: own(state),
    };
    if (withSession && state.session) {
      write.session = {
        session: state.session,
        stamps: state.stamps,
        reason: state.change?.reason ?? 'created',
        checkedAt: state.checkedAt,
      };
    }
    return write;
  }

  #fail(error: unknown): void {
    if (this.#destroyed) return;
    this.#dispatch({ type: 'failed', error: asError(error) });
    if (!this.#state.session) for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
  }

  #throwIfDestroyed(): void {
    if (this.#destroyed) throw this.#abort.signal.reason;
  }

  /**
   * Starts what the manager needs once in use: its hub (store, channel), its owner lock, the update queue's
   * watch on connectivity, the Web Engagement tracker when asked, and the page lifecycle (release on
   * `pagehide`, catch up from the store on `pageshow`).
   */
  #attach(): SessionHub {
    if (this.#hub) return this.#hub;
    const hub = hubFor(this.#options);
    this.#hub = hub;
    hub.join(this);
    this.#holdOwnerLock(hub);
    this.#queue.start();
    const stopTracker = this.#options.webEngagement
      ? watchWebEngagement((ids) => {
          const values = pickValues(ids);
          const shown = this.snapshot.session;
          // Only what changed: the tracker answers the same ids on every focus.
          if (syncedFields.some((field) => values[field] !== undefined && values[field] !== shown?.[field]))
            this.update(ids).catch(() => {}); // a refusal is reported in the snapshot
        })
      : () => {};
    const stopPage = watchPageLifecycle({
      onHide: () => {
        this.#goodbye(hub);
        hub.suspend();
      },
      onRestore: () => {
        if (this.#destroyed) return;
        hub.resume();
        this.#holdOwnerLock(hub);
        // Messages sent while the page was in the cache are lost: the store says what changed meanwhile.
        hub.store.read().then(
          (record) => this.#dispatch({ type: 'record', record, remote: true }),
          () => {},
        );
      },
    });
    this.#detach = () => {
      stopTracker();
      stopPage();
      // The last change written first: the others then find it in the store when told this one is gone.
      void this.#persisting.then(() => {
        this.#goodbye(hub);
        releaseHub(hub, this);
      });
    };
    return hub;
  }

  /** Held while this manager lives: another tab that finds it free knows this one's changes are orphans. */
  #holdOwnerLock(hub: SessionHub): void {
    const locks = this.#options.locks;
    if (!locks?.query || this.#releaseOwnerLock) return;
    const held = new Promise<void>((resolve) => {
      this.#releaseOwnerLock = resolve;
    });
    locks.request(hub.ownerLock(this.owner), {}, () => held).catch(() => {});
  }

  /** Lets go of the owner lock and tells the others, who take over what this manager has not sent. */
  #goodbye(hub: SessionHub): void {
    this.#releaseOwnerLock?.();
    this.#releaseOwnerLock = null;
    if (this.#hasOwnWork()) hub.post(this, { type: 'gone', owner: this.owner });
  }
}

/** Whether a change of the manager's own is no longer pending, and not because it was acknowledged. */
function withdrew(before: CoreState, after: CoreState): boolean {
  return syncedFields.some((field) => {
    const entry = before.pending[field];
    return (
      entry?.owner === before.owner &&
      after.pending[field] !== entry &&
      (after.stamps[field] ?? 0) < entry.stamp
    );
  });
}

/** Within a mutation, query-core does the retrying: each Update is one try. */
const once = Object.freeze({ attempts: 1, minDelayMs: 0, maxDelayMs: 0 });

function entropy(): { now: number; random: number } {
  return { now: preciseNow(), random: Math.random() };
}

/** The application's callback must not break the manager: its error goes where uncaught errors go. */
function report(call: () => void): void {
  try {
    call();
  } catch (error) {
    if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
    else console.error(error);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function randomId(): string {
  return (
    globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
  );
}

/** One line of the `onEvent` trace. */
function traceOf(event: CoreEvent, state: CoreState, before: CoreState): SessionEvent {
  const sessionId = state.session?.sessionId ?? before.session?.sessionId ?? null;
  const changed = state.change !== before.change ? state.change : null;
  return {
    type: event.type,
    sessionId,
    reason: changed?.reason ?? (event.type === 'cut' ? event.reason : null),
    remote: changed?.remote ?? (event.type === 'record' && event.remote),
    phase: state.phase.name,
    pendingUpdates: syncedFields.filter((field) => state.pending[field]).length,
    error: event.type === 'failed' || event.type === 'refused' ? event.error : null,
  };
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
    update: (patch) => manager.update(patch),
    identify: (identity) => manager.identify(identity),
    fetch: (input, init) => manager.fetch(input, init),
    reset: () => manager.reset(),
    destroy: () => manager.destroy(),
    queryKey: manager.queryKey,
  };
}
