// @vitest-environment node
// The page lock: what serialises the managers of a page where Web Locks are missing (or `locks: null`).
import { describe, expect, it } from 'vitest';
import { withSessionLock } from '../src/io/lock';

function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const options = (signal = new AbortController().signal) => ({
  locks: null,
  timeoutMs: 5000,
  signal,
  heartbeat: () => {},
  holderAlive: () => true,
});

describe('the page lock', () => {
  it('runs the holders of one name one after another', async () => {
    const order: string[] = [];
    const first = gate();
    const a = withSessionLock('one-by-one', options(), async () => {
      order.push('a in');
      await first.opened;
      order.push('a out');
    });
    const b = withSessionLock('one-by-one', options(), async () => {
      order.push('b in');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    first.open();
    await Promise.all([a, b]);
    expect(order).toEqual(['a in', 'a out', 'b in']);
  });

  it('keeps the line when the last waiter gives up: a newcomer still waits for those ahead', async () => {
    const inside: string[] = [];
    const holding = gate();
    const a = withSessionLock('line', options(), async () => {
      inside.push('a');
      await holding.opened;
      inside.splice(inside.indexOf('a'), 1);
    });
    const b = withSessionLock('line', options(), async () => {
      expect(inside).toEqual([]);
      inside.push('b');
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside.splice(inside.indexOf('b'), 1);
    });
    // The last in line is destroyed while it waits.
    const leaving = new AbortController();
    const c = withSessionLock('line', options(leaving.signal), async () => {});
    leaving.abort(new Error('destroyed'));
    await expect(c).rejects.toThrow('destroyed');
    let overlapped = false;
    const d = withSessionLock('line', options(), async () => {
      overlapped = inside.length > 0;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    holding.open();
    await Promise.all([a, b, d]);
    expect(overlapped).toBe(false);
  });
});
