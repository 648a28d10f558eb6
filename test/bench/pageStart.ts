// What both bench pages share: how their timed start-up work begins, and what it reports. Bundled into the
// pages (no Node code here).

/** What a page reports of its start-up work, on its own clock (`performance.now()`). */
export interface PageStart {
  /** From just before the work began until it was done (every ready() resolved, or the record validated). */
  ms: number;
  /** When it was done. */
  readyAt: number;
  error?: string;
}

declare global {
  interface Window {
    /** The start-up work, once begun. */
    benchStarted: Promise<PageStart> | null;
    /** Begins the start-up work (once) and returns its report. */
    benchBegin(): Promise<PageStart>;
  }
}

/**
 * Runs `work` now (as an application's bootstrap does, while the page's module runs) or, when `later`, once
 * the bench calls `benchBegin()`: then both pages begin at the same point of their life, after the load and
 * its bookkeeping, whatever the size of their scripts.
 */
export function beginWith(work: () => Promise<PageStart>, later: boolean): void {
  window.benchStarted = null;
  window.benchBegin = () => {
    window.benchStarted ??= work();
    return window.benchStarted;
  };
  if (!later) window.benchBegin();
}
