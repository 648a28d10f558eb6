import { timeoutManager } from '@tanstack/query-core';
import { type CutReason, type FieldValues, syncedFields } from '../core/fields.js';
import { decideChange, type Intent, own } from '../core/plan.js';
import type { StoredRecord } from '../core/record.js';
import { recordWriteOf } from '../core/recordWrite.js';
import { reduce, withdrew } from '../core/reduce.js';
import { type CoreEvent, type CoreState, initialState } from '../core/state.js';
import { DestroyedError, type StorageError, toError } from '../errors.js';
import { pickValues } from '../http/checks.js';
import { sessionClientFor } from '../http/client.js';
import type { ChannelMessage } from '../io/channel.js';
import { entropy, preciseNow, randomId, wallNow } from '../io/clock.js';
import { type HubMember, hubFor, releaseHub, type SessionHub } from '../io/hub.js';
import { withSessionLock } from '../io/lock.js';
import { storageKindOf } from '../io/store.js';
import type { Capability, SessionClient, SessionInfo, SessionSnapshot, SnapshotListener } from '../types.js';
import { SessionActivity } from './activity.js';
import { SessionCallers } from './callers.js';
import type { ResolvedOptions } from './options.js';
import { type PlanContext, runPlans } from './planRunner.js';
import { SnapshotPublisher } from './publisher.js';
import { queryKeyOf } from './queryKey.js';
import { UpdateQueue } from './updateQueue.js';

/**
 * The driver of the session core. It does the I/O (store, lock, channel, server) in order and feeds each
 * outcome back to `#dispatch`, the one writer of the state, the snapshot and the query cache. What to do is
 * decided by `plan` (core/plan.ts) under the cross-tab lock, after a fresh read of the store: every path
 * that needs the server (a cold start, a change, a check, a lost session, a reset) goes through `#locked`.
 */
export class SessionDriver implements HubMember {
  readonly owner: string;
  readonly queryKey: readonly unknown[];
  readonly #options: ResolvedOptions;
  readonly #onAttach: () => () => void;
  readonly #client: SessionClient;
  readonly #view: SnapshotPublisher;
  readonly #queue: UpdateQueue;
  readonly #abort = new AbortController();
  #state: CoreState;
  #hub: SessionHub | null = null;
  readonly #callers = new SessionCallers();
  /** Stops what `#watch` started; null until then. */
  #unwatch: (() => void) | null = null;
  /** Writes of this manager's own changes, in order: they reach the store before anything is sent. */
  #persisting: Promise<unknown> = Promise.resolve();
  #startRead: Promise<StoredRecord | null> = Promise.resolve(null); // the record as first read
  readonly #activity: SessionActivity | null = null; // with a lifetime only (activity.ts)

  /** `onAttach`: what else starts with the manager's first use (the Web Engagement tracker); returns its stop. */
  constructor(options: ResolvedOptions, onAttach: () => () => void = () => () => {}) {
    this.#options = options;
    this.#onAttach = onAttach;
    let idRefused: unknown;
    this.owner = randomId((error) => {
      idRefused = error;
    });
    this.#client = sessionClientFor(options);
    this.queryKey = queryKeyOf(options.server);
    this.#queue = new UpdateQueue({
      queryClient: options.queryClient,
      mutationKey: [...this.queryKey, 'update'],
      scopeId: options.scope,
      retry: options.retry,
      hasWork: () => this.#hasOwnWork(),
      deliver: () => this.#deliver(),
      onDeferred: (error) => this.#dispatch({ type: 'failed', error: toError(error) }),
      coalesceMs: options.coalesceMs,
    });
    const storage = storageKindOf(options.storage, options.indexedDB);
    this.#state = initialState(this.owner, pickValues(options), storage, preciseNow(), options.lifetime);
    this.#view = new SnapshotPublisher(this.#state, { ...options, queryKey: this.queryKey });
    if (idRefused) this.onUnavailable('crypto.randomUUID', toError(idRefused));
    if (options.lifetime)
      this.#activity = new SessionActivity({
        context: () => this.#planContext(this.#attach(undefined, false)),
        renew: () => this.#locked({ type: 'establish' }),
        session: () => this.#ready(),
        fail: (error) => this.#fail(error),
      });
  }

  get snapshot(): SessionSnapshot {
    return this.#view.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.#view.subscribe(listener);
  }

  get destroyed(): boolean {
    return this.#abort.signal.aborted;
  }

  /** A use of the session (`ready()`, `manager.fetch`): what a lifetime counts (activity.ts). */
  ready(): Promise<SessionInfo> {
    const session = this.#ready();
    this.#activity?.used();
    return session;
  }

  #ready(): Promise<SessionInfo> {
    if (this.destroyed) return Promise.reject(new DestroyedError());
    const shown = this.readySession();
    if (shown) return this.#activity?.expired() ? this.#activity.renewed() : Promise.resolve(shown);
    const called = this.#callers.ready();
    this.#dispatch({ type: 'start' }); // #run follows
    return called;
  }

  /** `ready()`'s session, or null while there is none to show. */
  readySession(): SessionInfo | null {
    const { snapshot } = this;
    return snapshot.status === 'ready' ? snapshot.session : null;
  }

  /**
   * A reset, or a switch to another customer: the identity given so far is cut here at once (no request goes
   * out under the session for the wrong person), then the session is forgotten in every tab and replaced.
   */
  async replace(reason: CutReason): Promise<void> {
    if (this.destroyed) throw new DestroyedError();
    this.#attach();
    this.#dispatch({ type: 'cut', reason, now: preciseNow() });
    try {
      await this.#locked({ type: 'replace', reason });
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  /** Aborted by `destroy()`, with a DestroyedError. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** A new session in place of `lostId`: one recovery per lost id, planned under the lock. */
  async recover(lostId: string): Promise<SessionInfo> {
    await this.#locked({ type: 'lost', sessionId: lostId });
    return this.#ready();
  }

  destroy(): void {
    if (this.destroyed) return;
    const error = new DestroyedError();
    this.#abort.abort(error);
    this.#dispatch({ type: 'destroyed' });
    this.#callers.failAll(error);
    this.#queue.stop();
    this.#unwatch?.();
    this.#activity?.stop();
    this.#view.dispose();
    const hub = this.#hub;
    // The last change written first: the others then find it in the store when told this one is gone.
    if (hub) void this.#persisting.then(() => this.#goodbye(hub, true));
  }

  // HubMember: what other managers of this server tell this one.
  onMessage(message: ChannelMessage): void {
    if (this.destroyed) return;
    if (message.type === 'record') {
      this.#dispatch({ type: 'record', record: message.record, remote: true, at: wallNow() });
      if (this.#hasOwnWork()) this.#queue.flush();
    } else if (
      message.type === 'gone' &&
      syncedFields.some((f) => this.#state.pending[f]?.owner === message.owner)
    ) {
      this.#takeOver();
    }
  }

  onStorageFailed(error: StorageError): void {
    if (!this.destroyed) this.#dispatch({ type: 'storage-failed', error });
  }

  onUnavailable(capability: Capability, error: Error): void {
    if (!this.destroyed) this.#dispatch({ type: 'unavailable', capability, error });
  }

  /** The only writer of state, snapshot and query cache; settles the callers whose outcome is known. */
  #dispatch(event: CoreEvent): void {
    const before = this.#state;
    const state = reduce(before, event);
    if (state === before) return;
    this.#state = state;
    this.#view.publish(state, event, before);
    this.#callers.settle(state, this.readySession());
    // A change of this manager's withdrawn by what another tab did (a reset): the store, and so the other
    // tabs, must stop counting it as pending.
    if ((event.type === 'record' || event.type === 'cut') && withdrew(before, state)) this.#persist();
    // No session, and none being found until now (a first use, a failure, another tab's reset): start.
    if (state.phase.name === 'starting' && before.phase.name !== 'starting') this.#run();
  }

  /**
   * `update()` and `identify()`: decided first (`decideChange`); a change is shown at once, stored, then
   * delivered, and settles when acknowledged. Another customer's change makes a new session for them.
   */
  change(values: FieldValues): Promise<SessionInfo> {
    if (this.destroyed) return Promise.reject(new DestroyedError());
    const decision = decideChange(this.#state, values);
    const fields = decision.type === 'held' ? [] : syncedFields.filter((field) => decision.values[field]);
    if (decision.type === 'held' || fields.length === 0) return this.ready();
    this.#attach();
    this.#activity?.used();
    this.#dispatch({ type: 'change', values: decision.values, ...entropy() });
    const done = this.#callers.change({ fields, stamp: this.#state.clock });
    const session = this.#state.session;
    if (!session) this.#dispatch({ type: 'start' }); // #run follows
    this.#persist();
    // The snapshot shows why; the caller hears from `done`.
    if (decision.type === 'switch') this.replace('customer-changed').catch(() => {});
    else if (session) this.#queue.flush();
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
        const write = recordWriteOf(this.owner, this.#state, false);
        // Changes made before the store was read were made under the epoch it held then.
        write.epoch ??= (await startRead)?.epoch ?? 0;
        return hub.write(write);
      })
      .then((record) => hub.post(this, { type: 'record', record }))
      .catch(() => {}); // a store failure moves the record to memory and is reported there
    return this.#persisting;
  }

  /**
   * The start, begun by `#dispatch` whenever the phase moves into `starting` (a first use, a use after a
   * failure, another tab's reset): one store read; a usable session ends it, otherwise the lock decides.
   */
  #run(): void {
    // The read is issued first, and the channel opened in the same task: whatever another tab writes
    // meanwhile is in what the read finds or announced on the channel (a channel also takes time to hear, so
    // its other tabs' heartbeats reach a cold start waiting for the lock). The rest (owner lock, listeners)
    // is set up once the record is in: on a warm start after ready() has resolved.
    const hub = this.#hub ?? hubFor(this.#options);
    const reading = this.#state.epoch === null ? hub.readAtStart() : null;
    this.#attach(hub, !reading);
    hub.listen();
    if (reading) this.#startRead = reading.catch(() => null);
    const start = async () => {
      const record = await reading;
      this.#throwIfDestroyed();
      if (reading) this.#dispatch({ type: 'record', record, remote: false, restore: true, at: wallNow() });
      if (this.#state.session) {
        // In the next task, once the application has taken its session: what follows never competes with
        // the page's own first work, and no request leaves before ready() has resolved.
        timeoutManager.setTimeout(() => this.#restored(hub), 0);
        return;
      }
      this.#attach(hub);
      await this.#locked({ type: 'establish' });
      this.#activity?.used(); // the start's ready(), now that there is a session
      if (this.#hasOwnWork()) this.#queue.flush();
    };
    // The failure moves the phase on before the waiters hear of it: a ready() from their handlers starts afresh.
    start().catch((error: unknown) => this.#fail(error));
  }

  /**
   * The stored session is shown (and ready() resolved): the rest is set up. What it does not hold yet (this page's options, changes a closed page left)
   * goes out as one Update, which checks the session too; otherwise a Retrieve checks it, in the background,
   * once per page load and browser (whichever manager gets there first).
   */
  #restored(hub: SessionHub): void {
    const session = this.#state.session;
    if (!session || this.destroyed) return;
    this.#attach(hub);
    this.#activity?.used(); // the page load's ready()
    const others = syncedFields.some(
      (f) => this.#state.pending[f] && this.#state.pending[f]?.owner !== this.owner,
    );
    if (others) this.#takeOver(); // its Update checks the session too
    const checking = !others && !this.#hasOwnWork() && this.#options.revalidate;
    if (this.#hasOwnWork()) {
      this.#persist();
      this.#queue.flush();
    } else if (checking) {
      const intent: Intent = { type: 'check', sessionId: session.sessionId, since: hub.loadedAt };
      this.#locked(intent).catch((error: unknown) => this.#fail(error));
    }
    // A message posted as the channel was still joining may not have reached it. A take-over or a check reads
    // the store afresh under the lock now; otherwise (a delivery may wait, offline) the store is asked here.
    if (!others && !checking) this.#catchUp(hub);
  }

  /**
   * Changes of another manager: sent from here if it is gone (a closed tab), decided under the lock so that
   * one tab takes them, and sent as this manager's own are: through the queue, its mutation and its retries.
   */
  #takeOver(): void {
    this.#queue.flush(true);
  }

  /** The mutation's work: sends this manager's changes under the lock. */
  async #deliver(): Promise<void> {
    await this.#persisting;
    await this.#ready();
    await this.#locked({ type: 'deliver' });
  }

  /**
   * Takes the lock, reads the store afresh, and carries out the plans for `intent` until none is left. A
   * session found lost on the way is recovered first, in the same hold of the lock.
   */
  async #locked(intent: Intent): Promise<void> {
    const hub = this.#attach();
    const waiting = hub.lockOptions(this, this.#options.lockTimeoutMs, this.#abort.signal);
    await withSessionLock(hub.lockName, waiting, () => runPlans(this.#planContext(hub), intent));
    // What is left to send (values a replacement lacks, changes made meanwhile) goes through the queue.
    if (this.#hasOwnWork()) this.#queue.flush();
  }

  /** What carrying out a plan needs of this manager (planRunner.ts). */
  #planContext(hub: SessionHub): PlanContext {
    const manager = this;
    return {
      member: this,
      owner: this.owner,
      hub,
      client: this.#client,
      signal: this.#abort.signal,
      get state() {
        return manager.#state;
      },
      dispatch: (event) => this.#dispatch(event),
      throwIfDestroyed: () => this.#throwIfDestroyed(),
    };
  }

  #fail(error: unknown): void {
    if (this.destroyed) return;
    this.#dispatch({ type: 'failed', error: toError(error) });
    if (!this.#state.session) this.#callers.failReady(error);
  }

  #throwIfDestroyed(): void {
    if (this.destroyed) throw this.#abort.signal.reason;
  }

  /**
   * Joins the hub (its store) and, unless `watch` is false, starts what the manager needs once in use: the
   * channel, the owner lock (which tells other tabs it lives), the update queue's watch on connectivity,
   * what `onAttach` starts, and the page lifecycle. A warm start watches only once `ready()` has resolved:
   * none of it shows the stored session, and it would busy the thread while IndexedDB answers.
   */
  #attach(hub = this.#hub ?? hubFor(this.#options), watch = true): SessionHub {
    if (!this.#hub) {
      this.#hub = hub;
      hub.join(this);
    }
    if (watch && !this.#unwatch && !this.destroyed) this.#watch(this.#hub);
    return this.#hub;
  }

  #watch(hub: SessionHub): void {
    // Set first: a loaded tracker calls back inside push(), with a change that must not watch again.
    let stopOnAttach = () => {};
    this.#unwatch = () => stopOnAttach();
    hub.listen();
    hub.holdOwnerLock(this);
    this.#queue.start();
    stopOnAttach = this.#onAttach();
  }

  onPageHide(): void {
    if (this.#hub) this.#goodbye(this.#hub);
  }

  onPageRestore(): void {
    if (this.#hub && !this.destroyed) this.#catchUp(this.#hub);
  }

  #catchUp(hub: SessionHub): void {
    hub.read().then(
      (record) => this.#dispatch({ type: 'record', record, remote: true, at: wallNow() }),
      () => {},
    );
  }

  /** Tells the others this manager is gone: they take over what it has not sent. `leave`: the hub too. */
  #goodbye(hub: SessionHub, leave = false): void {
    if (this.#hasOwnWork()) hub.post(this, { type: 'gone', owner: this.owner });
    if (leave) releaseHub(hub, this);
  }
}
