import { timeoutManager } from '@tanstack/query-core';

/**
 * Small helpers for cancellable waits. Timers go through query-core's `timeoutManager`, so an application
 * that installs its own timer provider (or fake timers in tests) governs the library's timers too.
 */

/** Calls `listener` once, when `signal` aborts; returns the function that stops listening. */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = timeoutManager.setTimeout(() => {
      stopListening?.();
      resolve();
    }, ms);
    const stopListening = signal
      ? onAbort(signal, () => {
          timeoutManager.clearTimeout(timer);
          reject(signal.reason);
        })
      : undefined;
  });
}

/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms`. The operation itself is not stopped:
 * this bounds how long the caller waits for something that may hang (an IndexedDB open blocked by another
 * tab never settles on its own).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = timeoutManager.setTimeout(() => reject(onTimeout()), ms);
    promise.then(resolve, reject).finally(() => timeoutManager.clearTimeout(timer));
  });
}

/** Waits for `promise`, unless the caller aborts first: then rejects as fetch does. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const stopListening = onAbort(signal, () => reject(signal.reason));
    promise.then(resolve, reject).finally(stopListening);
  });
}
