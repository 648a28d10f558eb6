/**
 * The page's time and randomness: the only nondeterminism the core is fed. The core takes both as event
 * fields (`now`, `random`), so that its tests and the model test choose them; these read the real ones.
 */

/** The time, as finely as the page's clock gives it, on the wall clock every tab of the browser shares. */
export function preciseNow(): number {
  const { performance } = globalThis;
  return performance?.timeOrigin ? performance.timeOrigin + performance.now() : Date.now();
}

/**
 * The wall clock, on which a session's lifetime is counted: it goes on through the hours a laptop sleeps,
 * which `performance.now()` (and so `preciseNow`) does not in most browsers (MDN, "Ticking during sleep").
 */
export function wallNow(): number {
  return Date.now();
}

/** The `now` and `random` of an event that stamps a change or a session. */
export function entropy(): { now: number; random: number } {
  return { now: preciseNow(), random: Math.random() };
}

/**
 * A manager's id: the owner of the changes it makes. `crypto.randomUUID` is missing outside secure contexts
 * (a plain-http intranet page) and may throw where it is locked down: an id of the clock and `Math.random`
 * serves then (ids only need to differ between the managers of one browser), and `refused` hears of a throw.
 */
export function randomId(refused: (error: unknown) => void = () => {}): string {
  try {
    const id = globalThis.crypto?.randomUUID?.();
    if (id) return id;
  } catch (error) {
    refused(error);
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
