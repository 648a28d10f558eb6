import type { KeyValueStore, LockManagerLike } from '../../src/index';

/**
 * What the tabs of one browser profile share, simulated: an IndexedDB-like store whose `update` is one
 * transaction, Web Locks (with `query`, so a tab can tell another is gone) and a BroadcastChannel. Each tab
 * gets its own objects, as each page has its own `indexedDB` and `navigator.locks`, over shared state.
 */
export class BrowserProfile {
  readonly #records = new Map<string, unknown>();
  readonly #held = new Set<string>();
  readonly #queues = new Map<string, (() => void)[]>();
  readonly #bus: Bus;

  /** `later` runs a task later, as the event loop does a channel's message. */
  constructor(later: (task: () => void) => void) {
    this.#bus = { channels: new Set(), later };
  }

  store(): KeyValueStore {
    const records = this.#records;
    return {
      get: async (key) => structuredClone(records.get(key)),
      set: async (key, value) => {
        records.set(key, structuredClone(value));
      },
      del: async (key) => {
        records.delete(key);
      },
      update: async (key, updater) => {
        records.set(key, structuredClone(updater(structuredClone(records.get(key)))));
      },
    };
  }

  locks(): LockManagerLike {
    const held = this.#held;
    const queues = this.#queues;
    // The lock passes straight to the next waiter: no newcomer can slip in between.
    const release = (name: string) => {
      const next = queues.get(name)?.shift();
      if (next) next();
      else held.delete(name);
    };
    return {
      async request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>) {
        if (!held.has(name)) held.add(name);
        else {
          await new Promise<void>((resolve, reject) => {
            const queue = queues.get(name) ?? [];
            queues.set(name, queue);
            const grant = () => {
              options.signal?.removeEventListener('abort', abort);
              resolve();
            };
            const abort = () => {
              queue.splice(queue.indexOf(grant), 1);
              reject(options.signal?.reason);
            };
            options.signal?.addEventListener('abort', abort, { once: true });
            queue.push(grant);
          });
        }
        try {
          return await callback();
        } finally {
          release(name);
        }
      },
      query: async () => ({ held: [...held].map((name) => ({ name })) }),
    };
  }

  /** A BroadcastChannel constructor for one tab: messages reach the other tabs' channels, never its own. */
  channel(): typeof BroadcastChannel {
    const bus = this.#bus;
    // A constructor of its own per tab, as each page has its own; the work is done by one class.
    return class extends ProfileChannel {
      constructor(name: string) {
        super(bus, name);
      }
    } as unknown as typeof BroadcastChannel;
  }
}

interface Bus {
  channels: Set<ProfileChannel>;
  /** Runs a task later, as the event loop does a channel's message. */
  later: (task: () => void) => void;
}

class ProfileChannel {
  onmessage: ((event: MessageEvent) => void) | null = null;
  #closed = false;
  readonly #bus: Bus;

  constructor(
    bus: Bus,
    readonly name: string,
  ) {
    this.#bus = bus;
    bus.channels.add(this);
  }

  postMessage(data: unknown): void {
    const copy = structuredClone(data);
    for (const other of this.#bus.channels) {
      if (other !== this && other.name === this.name) this.#bus.later(() => other.#deliver(copy));
    }
  }

  close(): void {
    this.#closed = true;
    this.#bus.channels.delete(this);
  }

  #deliver(data: unknown): void {
    if (!this.#closed) this.onmessage?.({ data } as MessageEvent);
  }
}
