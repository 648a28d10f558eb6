// @vitest-environment node
// The wait for the cross-tab lock when its holder's timers run late, and when Web Locks refuse: a silent
// holder is asked before it is given up (it answers from its message handler, which throttling does not hold
// back; a frozen one cannot), and Web Locks that refuse give way to the page's own lock.
import { describe, expect, it, vi } from 'vitest';
import type { LockManagerLike } from '../src/index';
import { type LockOptions, withSessionLock } from '../src/io/lock';

/** Web Locks whose lock another tab holds until `release()`. */
function heldElsewhere() {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const locks: LockManagerLike = {
    async request(_name, options, callback) {
      await new Promise<void>((resolve, reject) => {
        released.then(resolve);
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
      });
      return callback();
    },
  };
  return { locks, release };
}

function waiting(overrides: Partial<LockOptions>): LockOptions {
  return {
    locks: null,
    timeoutMs: 100,
    signal: new AbortController().signal,
    heartbeat: () => {},
    holderAlive: () => false,
    ...overrides,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('waiting for a holder that has gone silent', () => {
  it('asks it, and keeps waiting while it answers, however late its own heartbeats are', async () => {
    const { locks, release } = heldElsewhere();
    let seenAt = 0;
    // The holder never beats (its timers are held back), but answers every question at once.
    const ask = vi.fn(() => {
      seenAt = Date.now();
    });
    const began = Date.now();
    const run = withSessionLock(
      'asked',
      waiting({ locks, ask, holderAlive: () => Date.now() - seenAt < 100 }),
      async () => 'done',
    );
    await sleep(450);
    release();
    expect(await run).toEqual({ result: 'done', locked: true });
    expect(Date.now() - began).toBeGreaterThanOrEqual(440);
    expect(ask.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('goes ahead a beat after asking a holder that does not answer (frozen for good)', async () => {
    const { locks, release } = heldElsewhere();
    const ask = vi.fn();
    const began = Date.now();
    const result = await withSessionLock('frozen', waiting({ locks, ask }), async () => 'alone');
    const waited = Date.now() - began;
    release();
    expect(result).toEqual({ result: 'alone', locked: false });
    expect(ask).toHaveBeenCalledTimes(1);
    expect(waited).toBeGreaterThanOrEqual(120); // the bound, then a quarter of it for the answer
    expect(waited).toBeLessThan(400);
  });

  it('goes ahead at the bound where it cannot ask (no channel)', async () => {
    const { locks, release } = heldElsewhere();
    const began = Date.now();
    const result = await withSessionLock('no-channel', waiting({ locks }), async () => 'alone');
    release();
    expect(result.locked).toBe(false);
    expect(Date.now() - began).toBeLessThan(300);
  });
});

describe('Web Locks that refuse', () => {
  it('runs the work under the page lock, and says why, when request() rejects before granting', async () => {
    const refused = vi.fn();
    const locks: LockManagerLike = {
      request: () => Promise.reject(new DOMException('denied', 'SecurityError')),
    };
    const result = await withSessionLock('refusing', waiting({ locks, refused }), async () => 'here');
    expect(result).toEqual({ result: 'here', locked: true });
    expect(refused).toHaveBeenCalledWith(expect.objectContaining({ name: 'SecurityError' }));
  });

  it('passes on the work’s own failure, which is no refusal', async () => {
    const refused = vi.fn();
    const locks: LockManagerLike = { request: (_name, _options, callback) => callback() };
    const failing = withSessionLock('work-fails', waiting({ locks, refused }), async () => {
      throw new Error('the work failed');
    });
    await expect(failing).rejects.toThrow('the work failed');
    expect(refused).not.toHaveBeenCalled();
  });

  it('passes on its own abort (destroy), which is no refusal', async () => {
    const refused = vi.fn();
    const { locks, release } = heldElsewhere();
    const destroy = new AbortController();
    const run = withSessionLock(
      'destroyed',
      waiting({ locks, refused, signal: destroy.signal, timeoutMs: 5000 }),
      async () => 'never',
    );
    destroy.abort(new Error('destroyed'));
    await expect(run).rejects.toThrow('destroyed');
    release();
    expect(refused).not.toHaveBeenCalled();
  });
});
