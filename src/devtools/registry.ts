import type { LockManagerLike, SessionEvent, SessionManager, SessionManagerOptions } from '../index.js';

/** The manager's transport: the application's, or the global `fetch`. */
export type Send = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * Where a mounted panel takes a manager's events and requests; none while no panel is mounted. What makes
 * rows of them is the panel's (./mount), so that an application that never mounts one bundles none of it.
 */
export interface Sink {
  event(entry: Entry, event: SessionEvent): void;
  fetch(entry: Entry, send: Send, input: RequestInfo | URL, init: RequestInit | undefined): Promise<Response>;
}

/** A manager devtools knows of. It holds the manager weakly: devtools never keeps a dropped manager alive. */
export interface Entry {
  /** The manager's number in the page, from 1, in creation order. */
  index: number;
  ref: WeakRef<SessionManager>;
  /** Whether its events and requests reach devtools (made through `withDevtools`), or only its snapshot. */
  readonly traced: boolean;
  sink: Sink | null;
  /** Where the manager keeps its record and takes its locks, when its options say (a Storage Access handle's). */
  readonly indexedDB: IDBFactory | undefined;
  readonly locks: LockManagerLike | null | undefined;
}

const entries = new Set<Entry>();
let created = 0;
/** Told of each manager made while a panel of every manager is mounted. */
let watcher: ((entry: Entry) => void) | null = null;

/**
 * Wraps `createSessionManager` so that the managers it makes can be shown by `mountDevtools`: their
 * `onEvent` and `fetch` options are chained (the application's own run first, unchanged).
 *
 * Until a panel is mounted the wrappers only pass through: no row is recorded, nothing is kept, posted or
 * read. The manager does build its `onEvent` trace (a small object per core event, a few per session), since
 * `onEvent` is set; that is the whole cost.
 *
 * @example
 * import { createSessionManager } from 'gkc-session';
 * import { mountDevtools, withDevtools } from 'gkc-session/devtools';
 *
 * const manager = withDevtools(createSessionManager)({ baseUrl: '/gks-server/v1' });
 * if (location.search.includes('devtools')) mountDevtools(manager);
 */
export function withDevtools<Options extends SessionManagerOptions, Manager extends SessionManager>(
  create: (options: Options) => Manager,
): (options: Options) => Manager {
  return (options) => {
    // Set once the manager exists: creating one sends and emits nothing.
    let entry: Entry | undefined;
    const ownOnEvent = options.onEvent;
    const ownFetch = options.fetch;
    // The application's transport, or the global `fetch` looked up per call, as the library itself does.
    const send: Send = (input, init) => (ownFetch ? ownFetch(input, init) : globalThis.fetch(input, init));
    const manager = create({
      ...options,
      onEvent: (event: SessionEvent) => {
        try {
          ownOnEvent?.(event);
        } finally {
          if (entry?.sink) entry.sink.event(entry, event);
        }
      },
      fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
        entry?.sink ? entry.sink.fetch(entry, send, input, init) : send(input, init)) as typeof fetch,
    });
    entry = {
      index: ++created,
      ref: new WeakRef(manager),
      traced: true,
      sink: null,
      indexedDB: options.indexedDB,
      locks: options.locks,
    };
    prune();
    entries.add(entry);
    watcher?.(entry);
    return manager;
  };
}

/** Forgets the managers that are gone (collected, or destroyed while no panel showed them). */
function prune(): void {
  for (const entry of entries) {
    const manager = entry.ref.deref();
    if (!manager || (!entry.sink && manager.getSnapshot().status === 'destroyed')) entries.delete(entry);
  }
}

/** The managers made through `withDevtools` that are still alive, in creation order. */
export function knownEntries(): Entry[] {
  prune();
  return [...entries];
}

/** The entry of `manager`; a manager made without `withDevtools` gets one that shows only its snapshot. */
export function entryOf(manager: SessionManager): Entry {
  for (const entry of entries) if (entry.ref.deref() === manager) return entry;
  return {
    index: ++created,
    ref: new WeakRef(manager),
    traced: false,
    sink: null,
    indexedDB: undefined,
    locks: undefined,
  };
}

/** Watches for managers made from now on (while a panel of every manager is mounted); returns the stop. */
export function watchEntries(onEntry: (entry: Entry) => void): () => void {
  watcher = onEntry;
  return () => {
    if (watcher === onEntry) watcher = null;
  };
}
