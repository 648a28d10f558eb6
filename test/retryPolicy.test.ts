import { describe, expect, it } from 'vitest';
import { HttpError, NetworkError, SessionNotFoundError } from '../src/errors';
import { parseRetryAfter, resolveRetryPolicy, retryDelay, shouldRetry } from '../src/http/retryPolicy';

const policy = resolveRetryPolicy({ attempts: 5, minDelayMs: 100, maxDelayMs: 1000 });

describe('retry policy', () => {
  it('doubles the delay from minDelayMs up to maxDelayMs, with half of it random', () => {
    const low = [1, 2, 3, 4, 5].map((n) => retryDelay(policy, n, new NetworkError('x'), () => 0));
    const high = [1, 2, 3, 4, 5].map((n) => retryDelay(policy, n, new NetworkError('x'), () => 1));
    expect(low).toEqual([50, 100, 200, 400, 500]);
    expect(high).toEqual([100, 200, 400, 800, 1000]);
  });

  it('takes the server Retry-After, capped at maxDelayMs', () => {
    expect(retryDelay(policy, 1, new HttpError({ status: 429, retryAfterMs: 700 }))).toBe(700);
    expect(retryDelay(policy, 1, new HttpError({ status: 429, retryAfterMs: 60_000 }))).toBe(1000);
  });

  it('repeats only retryable errors, and only until attempts are spent', () => {
    expect(shouldRetry(policy, 1, new NetworkError('x'))).toBe(true);
    expect(shouldRetry(policy, 4, new HttpError({ status: 503 }))).toBe(true);
    expect(shouldRetry(policy, 5, new HttpError({ status: 503 }))).toBe(false);
    expect(shouldRetry(policy, 1, new HttpError({ status: 404 }))).toBe(false);
    expect(shouldRetry(policy, 1, new SessionNotFoundError('s', 404))).toBe(false);
    expect(shouldRetry(policy, 1, new TypeError('bad'))).toBe(false);
    expect(shouldRetry(resolveRetryPolicy(false), 1, new NetworkError('x'))).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
