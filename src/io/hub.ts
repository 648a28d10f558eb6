import { mergeRecord, type RecordWrite, type StoredRecord } from '../core/record.js';
import { type StorageError, toError } from '../errors.js';
import type { Capability, ChannelSource, KeyValueStore, LockManagerLike } from '../types.js';
import { type ChannelMessage, SessionChannel } from './channel.js';
import { preciseNow } from './clock.js';
import type { LockOptions } from './lock.js';
import { watchPageLifecycle } from './pageLifecycle.js';
import { SessionStore } from './store.js';

/** Where a hub's record, lock and channel are: the part of the manager's options that says so. */
export interface HubOptions {
  /** The record's key: one record per server (`baseUrl` and `tenantId`). */
  readonly key: string;
  /** The name of the server's lock, channel and update scope: `gkc-session:${key}`. */
  readonly scope: string;
  readonly storage: 'indexeddb' | 'memory' | KeyValueStore;
  /** The IndexedDB to open; the page's own when undefined. */
  readonly indexedDB: IDBFactory | undefined;
  readonly storageTimeoutMs: number;
  /**
   * How long a read that outlasted `storageTimeoutMs` is waited for (the other tabs asked meanwhile): the first
   * manager's, for the hub's reads.
   */
  readonly lockTimeoutMs: number;
  readonly locks: LockManagerLike | null;
  readonly BroadcastChannel: ChannelSource | null;
}

/** A manager as its hub sees it. */
export interface HubMember {
  readonly owner: string;
  onMessage(message: ChannelMessage): void;
  onStorageFailed(error: StorageError): void;
  /** A browser capability refused; the hub goes on without it from now on. Told once per capability. */
  onUnavailable(capability: Capability, error: Error): void;
  /** The page is hidden (it may be frozen or closed next); the hub lets go of what it holds right after. */
  onPageHide(): void;
  /** The page came back from the back/forward cache: what the other tabs said meanwhile was not heard. */
  onPageRestore(): void;
}

/**
 * One of everything per server in a page: the managers of one `baseUrl` and `tenantId` share one storage
 * connection, one BroadcastChannel, one read at start and the lock holder's heartbeat. What one manager
 * posts reaches the others of the page directly and the other tabs through the channel. A capability that
 * refuses (Web Locks, the channel) is dropped here for the page's own means, and the members told once.
 */
export class SessionHub {
  readonly store: SessionStore;
  readonly lockName: string;
  /** When the holder of the lock (another tab or manager) last said it was still at work. */
  holderSeenAt = 0;
  /** When this page first read the record: a check made since then is not repeated by a later manager. */
  readonly loadedAt: number;
  readonly #members = new Set<HubMember>();
  readonly #channel: SessionChannel;
  #locks: LockManagerLike | null;
  readonly #options: HubOptions;
  #reading: Promise<StoredRecord | null> | null = null;
  readonly #ownerLocks = new Map<HubMember, () => void>();
  /** Members holding the lock at work now: asked, the hub says `busy` for them. */
  readonly #holders = new Set<HubMember>();
  /** The capabilities that refused, with what they threw: told to every member, those joining later too. */
  readonly #refused = new Map<Capability, Error>();
  #unwatchPage: (() => void) | undefined;
  /** Hidden since `pagehide` (unloading, or kept in the back/forward cache); resolved at `pageshow`. */
  #hidden: { shown: Promise<void>; show: () => void } | null = null;

  constructor(options: HubOptions, loadedAt: number) {
    this.#options = options;
    this.lockName = options.scope;
    this.loadedAt = loadedAt;
    this.#locks = options.locks;
    this.store = new SessionStore({
      storage: options.storage,
      indexedDB: options.indexedDB,
      key: options.key,
      timeoutMs: options.storageTimeoutMs,
      lateMs: options.lockTimeoutMs,
      onSlow: () => this.#channel.post({ type: 'ask' }),
      onFallback: (error) => {
        for (const member of this.#members) member.onStorageFailed(error);
      },
    });
    this.#channel = new SessionChannel(
      this.lockName,
      options.BroadcastChannel,
      (message) => this.#heard(message),
      (error) => this.refuse('BroadcastChannel', error),
    );
  }

  serves(options: HubOptions): boolean {
    const mine = this.#options;
    return (
      mine.key === options.key &&
      mine.storage === options.storage &&
      mine.indexedDB === options.indexedDB &&
      mine.locks === options.locks &&
      mine.BroadcastChannel === options.BroadcastChannel &&
      mine.storageTimeoutMs === options.storageTimeoutMs
    );
  }

  join(member: HubMember): void {
    this.#members.add(member);
    for (const [capability, error] of this.#refused) member.onUnavailable(capability, error);
  }

  /** A capability refused: not used again by this hub, and every member told (once). */
  refuse(capability: Capability, error: unknown): void {
    if (capability === 'locks') this.#locks = null;
    if (this.#refused.has(capability)) return;
    const refusal = toError(error);
    this.#refused.set(capability, refusal);
    for (const member of this.#members) member.onUnavailable(capability, refusal);
  }

  #heard(message: ChannelMessage): void {
    if (message.type === 'busy') this.holderSeenAt = Date.now();
    if (message.type === 'record') this.store.offer(message.record);
    if (message.type === 'ask') {
      const known = this.store.last;
      if (known) this.#channel.post({ type: 'record', record: known });
      if (this.#holders.size > 0) this.#channel.post({ type: 'busy' });
      return;
    }
    for (const member of this.#members) member.onMessage(message);
  }

  /** Opens the channel to the other tabs, and watches the page's lifecycle for every member. */
  listen(): void {
    this.#channel.open();
    this.#unwatchPage ??= watchPageLifecycle({
      onHide: () => {
        let show = () => {};
        const shown = new Promise<void>((resolve) => {
          show = resolve;
        });
        this.#hidden ??= { shown, show };
        for (const member of this.#members) member.onPageHide();
        this.#suspend();
      },
      onRestore: () => {
        this.#hidden?.show();
        this.#hidden = null;
        this.#resume();
        for (const member of this.#members) member.onPageRestore();
      },
    });
  }

  /** Held while a manager lives: another tab that finds it free knows that manager's changes are orphans. */
  holdOwnerLock(member: HubMember): void {
    const locks = this.#locks;
    if (!locks?.query || this.#ownerLocks.has(member)) return;
    const held = new Promise<void>((resolve) => this.#ownerLocks.set(member, resolve));
    try {
      locks
        .request(this.ownerLock(member.owner), {}, () => held)
        .catch((error) => this.refuse('locks', error));
    } catch (error) {
      this.#ownerLocks.delete(member);
      this.refuse('locks', error);
    }
  }

  #releaseOwnerLocks(only?: HubMember): void {
    for (const [member, release] of this.#ownerLocks) {
      if (only && member !== only) continue;
      release();
      this.#ownerLocks.delete(member);
    }
  }

  /** Returns whether the hub has no member left (then it is closed). */
  leave(member: HubMember): boolean {
    this.#members.delete(member);
    this.#holders.delete(member);
    this.#releaseOwnerLocks(member);
    if (this.#members.size > 0) return false;
    this.close();
    return true;
  }

  /**
   * The record as the page starts: managers that start together share one read. Under the lock a manager
   * reads afresh (`read()`): a read begun before the lock was granted may miss the holder's last write.
   */
  readAtStart(): Promise<StoredRecord | null> {
    this.#reading ??= this.read().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  /**
   * The stored record. WebKit answers a read aborted while the page unloads with nothing (firebase-js-sdk
   * #10041): an empty answer while the page is hidden is no proof that nothing is stored, so it is read again
   * once the page is shown (from the back/forward cache); a page that is not shown again is gone.
   */
  async read(): Promise<StoredRecord | null> {
    for (;;) {
      const record = await this.store.read();
      const hidden = this.#hidden;
      if (record !== null || !hidden) return record;
      await hidden.shown;
    }
  }

  /** Merges `write` into the stored record in one transaction; resolves with the record as written. */
  write(write: RecordWrite): Promise<StoredRecord> {
    return this.store.update((stored) => mergeRecord(stored, write, preciseNow()));
  }

  /** Tells every other manager of this server, in this page and in other tabs. */
  post(from: HubMember, message: ChannelMessage): void {
    if (message.type === 'busy') this.holderSeenAt = Date.now();
    this.#channel.post(message);
    for (const member of this.#members) {
      // Asynchronous, as a channel message is: never in the middle of the sender's own work.
      if (member !== from) queueMicrotask(() => member.onMessage(message));
    }
  }

  /**
   * How `member` waits for this server's lock and holds it (io/lock.ts): its heartbeat goes out on the
   * channel; a silent holder is asked, and answers from its message handler (`#heard`); one of this page
   * answers at once; Web Locks that refuse give way to the page's lock, for every member from then on.
   */
  lockOptions(member: HubMember, timeoutMs: number, signal: AbortSignal): LockOptions {
    return {
      locks: this.#locks,
      timeoutMs,
      signal,
      heartbeat: () => this.post(member, { type: 'busy' }),
      holderAlive: () => Date.now() - this.holderSeenAt < timeoutMs,
      ask: () => {
        if (this.#holders.size > 0) this.holderSeenAt = Date.now();
        this.#channel.post({ type: 'ask' });
      },
      held: (holds) => {
        if (holds) this.#holders.add(member);
        else this.#holders.delete(member);
      },
      refused: (error) => this.refuse('locks', error),
    };
  }

  /**
   * The owners among `owners` whose manager still runs: in this page, or in another tab that holds its owner
   * lock (Web Locks). Without Web Locks (or when they refuse) another tab cannot be known to live: its changes
   * are taken over (sent twice at worst, never lost).
   */
  async alive(owners: readonly string[]): Promise<ReadonlySet<string>> {
    const alive = new Set<string>();
    const here = new Set([...this.#members].map((member) => member.owner));
    const elsewhere: string[] = [];
    for (const owner of owners) {
      if (here.has(owner)) alive.add(owner);
      else elsewhere.push(owner);
    }
    const locks = this.#locks;
    if (elsewhere.length > 0 && locks?.query) {
      let held: { name?: string }[] = [];
      try {
        held = (await locks.query()).held ?? [];
      } catch (error) {
        this.refuse('locks', error);
      }
      const names = new Set(held.map((lock) => lock.name));
      for (const owner of elsewhere) if (names.has(this.ownerLock(owner))) alive.add(owner);
    }
    return alive;
  }

  /** The lock a manager holds while it lives, so that other tabs can tell it runs. */
  ownerLock(owner: string): string {
    return `${this.lockName}|${owner}`;
  }

  /**
   * Releases the owner locks, the channel and the storage connection (pagehide: each can keep a page out of
   * the back/forward cache); `#resume` takes them again.
   */
  #suspend(): void {
    this.#releaseOwnerLocks();
    this.#channel.close();
    this.store.close();
  }

  #resume(): void {
    if (this.#members.size > 0) this.#channel.open();
    for (const member of this.#members) this.holdOwnerLock(member);
  }

  close(): void {
    this.#unwatchPage?.();
    this.#unwatchPage = undefined;
    this.#channel.close();
    this.store.close();
  }
}

const hubs = new Set<SessionHub>();
const firstReads = new Map<string, number>();

/**
 * The hub of this server in this page, made on first use. Managers given different stores, locks or
 * channels (tests do that) get hubs of their own.
 */
export function hubFor(options: HubOptions): SessionHub {
  for (const hub of hubs) if (hub.serves(options)) return hub;
  if (!firstReads.has(options.key)) firstReads.set(options.key, Date.now());
  const hub = new SessionHub(options, firstReads.get(options.key) ?? Date.now());
  hubs.add(hub);
  return hub;
}

export function releaseHub(hub: SessionHub, member: HubMember): void {
  if (hub.leave(member)) hubs.delete(hub);
}
