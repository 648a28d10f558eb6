import { isSessionError } from '../errors.js';
import type { RetryOptions, RetryPolicy } from '../types.js';
import { numberOption } from '../utils/numberOption.js';

const defaultRetryPolicy: RetryPolicy = Object.freeze({
  attempts: 4,
  minDelayMs: 250,
  maxDelayMs: 10_000,
});

/** `false` means one try; missing fields take the defaults. Throws a `TypeError` naming the bad field. */
export function resolveRetryPolicy(retry: false | RetryOptions | undefined): RetryPolicy {
  if (retry === false) return Object.freeze({ ...defaultRetryPolicy, attempts: 1 });
  if (retry === undefined) return defaultRetryPolicy;
  if (typeof retry !== 'object' || retry === null) {
    throw new TypeError('retry must be false or an object');
  }
  const attempts = retry.attempts === undefined ? defaultRetryPolicy.attempts : retry.attempts;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new TypeError(`retry.attempts must be an integer >= 1, got ${String(retry.attempts)}`);
  }
  const minDelayMs = numberOption(
    'retry.minDelayMs',
    retry.minDelayMs,
    defaultRetryPolicy.minDelayMs,
    '>= 0',
  );
  const maxDelayMs = numberOption(
    'retry.maxDelayMs',
    retry.maxDelayMs,
    defaultRetryPolicy.maxDelayMs,
    '>= 0',
  );
  if (maxDelayMs < minDelayMs) {
    throw new TypeError('retry.maxDelayMs must be >= retry.minDelayMs');
  }
  return Object.freeze({ attempts, minDelayMs, maxDelayMs });
}

/**
 * Whether a call that has failed `failureCount` times (1 after the first failure) is tried again.
 * Only errors that can succeed later are repeated: network, timeout, 408/425/429/5xx.
 * The signature is query-core's `retry` option, so mutations use the same rule.
 */
export function shouldRetry(policy: RetryPolicy, failureCount: number, error: unknown): boolean {
  return failureCount < policy.attempts && isSessionError(error) && error.retryable;
}

/**
 * The wait before the next try: exponential from `minDelayMs`, capped at `maxDelayMs`, with "equal jitter"
 * (half fixed, half random) so that tabs that failed together do not come back together. A `Retry-After`
 * the server gave wins, capped at `maxDelayMs`. The signature is query-core's `retryDelay` option.
 */
export function retryDelay(
  policy: RetryPolicy,
  failureCount: number,
  error: unknown,
  random: () => number = Math.random,
): number {
  const retryAfterMs = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  if (typeof retryAfterMs === 'number') return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(0, failureCount - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * `Retry-After` in seconds or as an HTTP date, in milliseconds from `now`; undefined when absent or
 * unreadable (a cross-origin page reads it only when the server lists it in Access-Control-Expose-Headers).
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
