import { timeoutManager } from '@tanstack/query-core';
import type { LockManagerLike } from '../types.js';
import { onAbort } from '../utils/abortable.js';

export interface LockOptions {
  /** `navigator.locks`, or null where there is none: then only this page's managers are serialised. */
  locks: LockManagerLike | null;
  /** How long to wait for the lock before going ahead without it, unless the holder shows it is alive. */
  timeoutMs: number;
  signal: AbortSignal;
  /**
   * Called as soon as the lock is held, and every `timeoutMs / 4` until the work settles: tell the others. A
   * holder whose timers run late (a loaded machine, a background tab's throttled timers) must miss three
   * beats before they ask it (`ask`).
   */
  heartbeat: () => void;
  /** Whether the holder said it was alive within the last `timeoutMs`: then waiting goes on. */
  holderAlive: () => boolean;
  /**
   * Asks the holder, which has been silent for `timeoutMs`, whether it is still at work: a holder answers from
   * its message handler (`busy`), which runs when its timers do not. Without it, a silent holder is given up.
   */
  ask?: () => void;
  /** Told when the lock is granted (true) and when the work has settled (false). */
  held?: (holding: boolean) => void;
  /**
   * The Web Locks API refused (it throws SecurityError in sandboxed frames, and in third-party frames where
   * the browser gives no storage): told before the work runs under the page's own lock instead.
   */
  refused?: (error: unknown) => void;
}

/**
 * Runs `work` holding the lock `name`: across tabs with Web Locks, and within the page otherwise (or when Web
 * Locks refuse).
 *
 * Waiting is bounded. A tab frozen by the browser (memory saver, background freezing) keeps its locks, and
 * Supabase users saw every other tab wedge behind one: after `timeoutMs` the work runs without the lock.
 * A holder that is merely slow (a Create against a slow server, with retries) says so through `heartbeat`
 * (the manager's channel), and the others keep waiting for it rather than create a session of their own.
 *
 * Heartbeats are timers, and a background tab's timers run late: Chrome runs them once a minute after five
 * minutes hidden, Firefox at most once a second in a background tab. So a waiter does not give up on a holder
 * for its silence alone: it asks (`ask`), and the holder answers from its channel's message handler, which
 * the browser does not hold back as it holds timers (network and message events are not throttled). A
 * frozen tab runs nothing: it does not answer, and the waiter goes ahead a beat later. Web Locks'
 * `query()` cannot make this distinction: a frozen tab holds its locks as a throttled one does, so the lock
 * being held says nothing of whether its holder runs. Going ahead is safe because `work` always re-reads the
 * store before acting; the lock only keeps tabs from doing the same work twice. Resolves with `work`'s result
 * and whether the lock was held.
 */
export async function withSessionLock<T>(
  name: string,
  options: LockOptions,
  work: () => Promise<T>,
): Promise<{ result: T; locked: boolean }> {
  return options.locks ? withWebLock(name, options, options.locks, work) : withPageLock(name, options, work);
}

async function withWebLock<T>(
  name: string,
  options: LockOptions,
  locks: LockManagerLike,
  work: () => Promise<T>,
): Promise<{ result: T; locked: boolean }> {
  const acquisition = new AbortController();
  const expired = new Error('lock wait expired');
  const abortWait = () => acquisition.abort(options.signal.reason);
  const stopListening = onAbort(options.signal, abortWait);
  if (options.signal.aborted) abortWait();
  const stopWaiting = deadline(options, () => acquisition.abort(expired));
  let granted = false;
  try {
    const result = await locks.request(name, { signal: acquisition.signal }, () => {
      granted = true;
      // The signal only governs the wait; once granted, the lock is ours until `work` settles.
      stopWaiting();
      return holding(options, work);
    });
    return { result, locked: true };
  } catch (error) {
    if (error === expired) return { result: await work(), locked: false };
    // Refused before it was granted, and not by this manager's own abort: the page's lock serves instead.
    if (!granted && !acquisition.signal.aborted && options.refused) {
      stopWaiting();
      options.refused(error);
      return withPageLock(name, options, work);
    }
    throw error;
  } finally {
    stopWaiting();
    stopListening();
  }
}

/**
 * Calls `expire` after `timeoutMs`, later while the holder keeps saying it is alive; a holder silent that long
 * is asked first, and given a beat (`timeoutMs / 4`) to answer. Returns the cancel.
 */
function deadline(options: LockOptions, expire: () => void): () => void {
  let asked = false;
  let timer = timeoutManager.setTimeout(check, options.timeoutMs);
  function check(): void {
    if (options.holderAlive()) {
      asked = false;
      timer = timeoutManager.setTimeout(check, options.timeoutMs);
    } else if (!asked && options.ask) {
      asked = true;
      options.ask();
      timer = timeoutManager.setTimeout(check, options.timeoutMs / 4);
    } else {
      expire();
    }
  }
  return () => timeoutManager.clearTimeout(timer);
}

/** Runs `work` with the lock held, beating the heart until it settles. */
async function holding<T>(options: LockOptions, work: () => Promise<T>): Promise<T> {
  options.held?.(true);
  options.heartbeat();
  const beat = timeoutManager.setInterval(() => options.heartbeat(), options.timeoutMs / 4);
  try {
    return await work();
  } finally {
    timeoutManager.clearInterval(beat);
    options.held?.(false);
  }
}

/** Where Web Locks are missing: a promise chain per name, for the managers of this page. */
const tails = new Map<string, Promise<void>>();

async function withPageLock<T>(
  name: string,
  options: LockOptions,
  work: () => Promise<T>,
): Promise<{ result: T; locked: boolean }> {
  const previous = tails.get(name) ?? Promise.resolve();
  let release = () => {};
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  tails.set(name, tail);
  try {
    const locked = await waitFor(previous, options);
    return { result: locked ? await holding(options, work) : await work(), locked };
  } finally {
    release();
    // The line's entry goes once everyone in it has passed, not when this one leaves: a waiter that gives up
    // (destroyed) may be the last in line while those ahead still wait or hold.
    void tail.then(() => {
      if (tails.get(name) === tail) tails.delete(name);
    });
  }
}

/** Resolves true when `previous` settles, false at the deadline; rejects when the signal aborts. */
function waitFor(previous: Promise<void>, options: LockOptions): Promise<boolean> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const stopWaiting = deadline(options, () => finish(() => resolve(false)));
    const stopListening = onAbort(signal, () => finish(() => reject(signal.reason)));
    const finish = (settle: () => void) => {
      stopWaiting();
      stopListening();
      settle();
    };
    previous.then(() => finish(() => resolve(true)));
  });
}
