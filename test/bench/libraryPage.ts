// The bench's page with the library, as an application's bootstrap uses it: `?managers=N` creates N managers
// of one server and times until every ready() has resolved; this is the page's first IndexedDB access. They
// start as the page's module runs, or, with `?later`, when the bench calls `benchBegin()`; with `?lifetime`,
// with the recommended session lifetime. `window.benchLibrary.gkc` is the package, for the measures the bench
// drives itself.
import * as gkc from '../../src/index';
import { beginWith, type PageStart } from './pageStart';

declare global {
  interface Window {
    benchLibrary: {
      gkc: typeof gkc;
      /** The manager a measure driven from the bench starts and reuses. */
      manager: gkc.SessionManager | null;
      /** A second manager of the server, with the lifetime below. */
      lived?: gkc.SessionManager;
      /** The recommended lifetime (docs/manager.md): 30 minutes idle, 24 hours in all. */
      lifetime: { idleTimeoutMs: number; maxAgeMs: number };
    };
  }
}

const params = new URLSearchParams(location.search);
const count = Number(params.get('managers') ?? 0);
const lifetime = { idleTimeoutMs: 30 * 60_000, maxAgeMs: 24 * 60 * 60_000 };

function start(): Promise<PageStart> {
  const began = performance.now();
  const managers = Array.from({ length: count }, () =>
    gkc.createSessionManager({ baseUrl: '/gks-server/v1', ...(params.has('lifetime') && lifetime) }),
  );
  // The requests sent before `readyAt` are counted later from Resource Timing, once they have finished: a
  // wrapped fetch would be code of the bench's in the page under measure.
  const done = (error?: unknown): PageStart => {
    const readyAt = performance.now();
    return { ms: readyAt - began, readyAt, ...(error !== undefined && { error: String(error) }) };
  };
  return Promise.all(managers.map((manager) => manager.ready())).then(() => done(), done);
}

window.benchLibrary = { gkc, manager: null, lifetime };
if (count > 0) beginWith(start, params.has('later'));
