// The library as a page sees it, for the Chromium tests: `window.gkc` is the package's entry point, and
// `?start={...options}` starts a manager at load, as an application's bootstrap code would.
import * as gkc from '../../src/index';

declare global {
  interface Window {
    gkc: typeof gkc;
    manager?: gkc.SessionManager;
    started?: Promise<{ sessionId?: string; error?: string; ms: number }>;
  }
}

window.gkc = gkc;
const start = new URLSearchParams(location.search).get('start');
if (start !== null) {
  const began = performance.now();
  const manager = gkc.createSessionManager({ baseUrl: '/gks-server/v1', ...JSON.parse(start || '{}') });
  window.manager = manager;
  window.started = manager.ready().then(
    (session) => ({ sessionId: session.sessionId, ms: performance.now() - began }),
    (error: unknown) => ({ error: String(error), ms: performance.now() - began }),
  );
}
