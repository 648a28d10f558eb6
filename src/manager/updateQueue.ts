import {
  focusManager,
  type Mutation,
  MutationCache,
  onlineManager,
  type QueryClient,
  timeoutManager,
} from '@tanstack/query-core';
import { isSessionError } from '../errors.js';
import { retryDelay, shouldRetry } from '../http/retryPolicy.js';
import type { RetryPolicy } from '../types.js';

export interface UpdateQueueOptions {
  /** The application's: its devtools and `useMutationState` see the Updates. */
  queryClient: QueryClient | undefined;
  mutationKey: readonly unknown[];
  /** Mutations of one scope run one after another: changes reach the server in order. */
  scopeId: string;
  retry: RetryPolicy;
  /** Whether the manager has changes of its own to send. */
  hasWork: () => boolean;
  /** Sends the manager's changes; rejects as the server did. */
  deliver: () => Promise<void>;
  /** A delivery failed after its retries with an error that may pass: the changes stay pending. */
  onDeferred: (error: unknown) => void;
  /** How long a delivery waits for more changes before it starts; 0 starts it at once. */
  coalesceMs: number;
}

/**
 * Delivers the outbox through query-core mutations, which bring ordering (one scope), retries with backoff,
 * and the pause while the browser is offline (`onlineManager`), resumed when it comes back.
 *
 * A burst is coalesced: a delivery starts once changes have paused for `coalesceMs` (or after twenty such
 * windows of a steady stream), at most one waits behind the one in flight, and each sends whatever is pending
 * when it starts. Calls spread over a burst
 * (a tracker's events, a user's typing) cost one or two Updates instead of one per round trip; the wait
 * costs the application nothing, since the snapshot shows the values at once and the store keeps them. When a delivery has spent its retries on a
 * server that cannot be reached, nothing is lost: the outbox keeps the changes and the queue tries again
 * when the browser comes online or the page regains focus, or after `maxDelayMs` while the page is visible
 * (no timers for hidden tabs: they would only drain batteries).
 */
export class UpdateQueue {
  readonly #options: UpdateQueueOptions;
  #mutationCache: MutationCache | undefined;
  /** A mutation waits to start: the changes made meanwhile will travel with it. */
  #waiting = false;
  #mutations = new Set<Mutation<void, unknown, undefined, unknown>>();
  #timer: ReturnType<typeof timeoutManager.setTimeout> | undefined;
  #window: ReturnType<typeof timeoutManager.setTimeout> | undefined;
  #windowOpenedAt = 0;
  #unsubscribe: (() => void)[] = [];
  #stopped = false;

  constructor(options: UpdateQueueOptions) {
    this.#options = options;
  }

  /**
   * Without the application's QueryClient, a MutationCache alone runs the mutations: a QueryClient of our own
   * would bring its query cache, queries and infinite-query behaviour (4 KB gzipped) to hold one value nobody
   * could read. Made on first use: a page load that sends nothing need not build it.
   */
  get #cache(): MutationCache {
    this.#mutationCache ??= this.#options.queryClient?.getMutationCache() ?? new MutationCache();
    return this.#mutationCache;
  }

  /** Starts watching connectivity and focus (query-core's managers attach their listeners on demand). */
  start(): void {
    if (this.#unsubscribe.length || this.#stopped) return;
    this.#unsubscribe.push(
      onlineManager.subscribe((online) => {
        if (!online) return;
        // Paused mutations resume on their own only in a mounted QueryClient; the app's may not be.
        void this.#cache.resumePausedMutations();
        this.flush();
      }),
      focusManager.subscribe((focused) => {
        if (focused) this.flush();
      }),
    );
  }

  /**
   * Sends what is pending, unless a mutation already waits to (it will take it along). `orphans`: changes of a
   * manager that is gone may be left to send; the delivery's plan takes them over, under the lock, if so.
   */
  flush(orphans = false): void {
    if (this.#stopped || (!orphans && !this.#options.hasWork())) return;
    if (this.#window !== undefined) {
      this.#openWindow(); // still gathering: wait a little more
      return;
    }
    if (this.#waiting) return;
    this.#clearTimer();
    this.#waiting = true;
    if (this.#options.coalesceMs <= 0) {
      this.#send();
      return;
    }
    this.#windowOpenedAt = Date.now();
    this.#openWindow();
  }

  /**
   * Waits until changes have stopped for `coalesceMs` (a debounce), but never longer than 20 windows from
   * the first change: a steady stream of changes still reaches the server.
   */
  #openWindow(): void {
    if (this.#window !== undefined) timeoutManager.clearTimeout(this.#window);
    const { coalesceMs } = this.#options;
    const left = this.#windowOpenedAt + 20 * coalesceMs - Date.now();
    this.#window = timeoutManager.setTimeout(
      () => {
        this.#window = undefined;
        if (!this.#stopped) this.#send();
      },
      Math.max(0, Math.min(coalesceMs, left)),
    );
  }

  #send(): void {
    const { mutationKey, scopeId, retry } = this.#options;
    // `build` asks the client only for its default options; our own cache has none.
    const client =
      this.#options.queryClient ?? ({ defaultMutationOptions: (o: object) => o } as unknown as QueryClient);
    const mutation = this.#cache.build<void, unknown, undefined, unknown>(client, {
      mutationKey,
      scope: { id: scopeId },
      networkMode: 'online',
      mutationFn: async () => {
        this.#waiting = false;
        await this.#options.deliver();
      },
      // query-core counts failures from 0; the policy counts tries from 1.
      retry: (failures, error) => shouldRetry(retry, failures + 1, error),
      retryDelay: (failures, error) => retryDelay(retry, failures + 1, error),
    });
    this.#mutations.add(mutation);
    mutation.execute(undefined).then(
      () => this.#mutations.delete(mutation),
      (error: unknown) => {
        this.#mutations.delete(mutation);
        this.#waiting = false;
        if (this.#stopped || !isSessionError(error) || !error.retryable) return;
        this.#options.onDeferred(error);
        this.#scheduleRetry();
      },
    );
  }

  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
    if (this.#window !== undefined) timeoutManager.clearTimeout(this.#window);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    // Paused mutations of a destroyed manager must not wake up in a QueryClient the application keeps.
    for (const mutation of this.#mutations) this.#mutationCache?.remove(mutation);
    this.#mutations.clear();
    // Our own cache's finished mutations would otherwise wait out their garbage-collection timers.
    if (!this.#options.queryClient) this.#mutationCache?.clear();
  }

  #scheduleRetry(): void {
    this.#clearTimer();
    if (!focusManager.isFocused()) return; // the focus subscription takes over
    this.#timer = timeoutManager.setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#options.retry.maxDelayMs);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) timeoutManager.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
