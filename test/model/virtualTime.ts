/**
 * Simulated time for the model test: timers fire in the order of their due time (then of their setting), and
 * the clock jumps to the next one as soon as the page has nothing else to do (after the microtasks, in a
 * `setImmediate`). A run then costs only its CPU time, not the milliseconds it waits, and the same seed gives
 * the same interleaving, so a counterexample can be replayed.
 */
import { setImmediate } from 'node:timers';

interface Timer {
  id: number;
  due: number;
  order: number;
  callback: () => void;
  /** Repeats every `every` ms (an interval); 0 for a timeout. */
  every: number;
  cancelled: boolean;
}

export class VirtualTime {
  now = 0;
  #order = 0;
  /** A binary heap on (due, order). */
  #heap: Timer[] = [];
  readonly #live = new Map<number, Timer>();
  #woken = false;

  readonly setTimeout = (callback: () => void, ms = 0): number => this.#add(callback, ms, 0);
  readonly setInterval = (callback: () => void, ms = 0): number => this.#add(callback, ms, Math.max(1, ms));
  readonly clearTimeout = (id: unknown): void => {
    const timer = this.#live.get(id as number);
    if (timer) timer.cancelled = true;
    this.#live.delete(id as number);
  };
  readonly clearInterval = this.clearTimeout;
  readonly sleep = (ms: number): Promise<void> => new Promise((resolve) => this.setTimeout(resolve, ms));

  /** The machine slept `ms`: the clock jumps, and every timer due meanwhile fires late, in order, at once. */
  jump(ms: number): void {
    this.now += ms;
  }

  /** Drops every timer left (a run's leftovers: garbage collection, races already won). */
  clear(): void {
    this.#heap = [];
    this.#live.clear();
  }

  #add(callback: () => void, ms: number, every: number): number {
    const order = this.#order++;
    const timer = { id: order, due: this.now + Math.max(0, ms), order, callback, every, cancelled: false };
    this.#live.set(order, timer);
    this.#push(timer);
    if (!this.#woken) {
      this.#woken = true;
      setImmediate(this.#fire);
    }
    return order;
  }

  /** Fires one timer, then lets the microtasks it caused run before the next. */
  readonly #fire = (): void => {
    this.#woken = false;
    let timer = this.#pop();
    while (timer?.cancelled) timer = this.#pop();
    if (!timer) return;
    this.now = Math.max(this.now, timer.due);
    if (timer.every > 0) {
      timer.due += timer.every;
      timer.order = this.#order++;
      this.#push(timer);
    } else {
      this.#live.delete(timer.id);
    }
    if (this.#heap.length > 0) {
      this.#woken = true;
      setImmediate(this.#fire);
    }
    timer.callback();
  };

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(timer, heap[parent] as Timer)) break;
      heap[index] = heap[parent] as Timer;
      index = parent;
    }
    heap[index] = timer;
  }

  #pop(): Timer | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || !last) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Timer, heap[left] as Timer) ? right : left;
      if (!before(heap[child] as Timer, last)) break;
      heap[index] = heap[child] as Timer;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}

/** A small seeded generator (mulberry32) for `Math.random`, so that a seed replays the retries' jitter too. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
