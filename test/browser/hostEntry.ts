// The widget as other people's sites run it, for the host-page tests (./hostPages serves it). One bundle, two
// roles: on `/host` it is the host page that frames the widget; anywhere else it is the widget page.
//
// The widget page takes `?start={options}` (a manager started at load; `window.begin(options)` starts one
// later) and these hooks, set up before it starts:
// - `idbOpenThrows=<name>`: `indexedDB.open` throws a DOMException of that name (older Firefox's private
//   windows: InvalidStateError).
// - `idbWriteThrows=<name>`: every IndexedDB write throws it (Safari's private mode once did: QuotaExceededError).
// - `emptyReadOnHide`: a store read still in flight when the page is hidden (pagehide), or made while it is,
//   answers with nothing: WebKit answers an aborted read so during unload (firebase-js-sdk #10041).
// - `holdTimers=<ms>`: once the page's first Create has gone out, no timer of the page runs for `ms`: those due
//   meanwhile run together at the end, as in a background tab the browser throttles (Chrome: once a minute).
// - `reentrant=subscribe|onEvent`: a listener of that kind calls identify(), fetch() and reset() synchronously,
//   from inside the call that told it of the first ready session (Supabase deadlocked on that).
// - `run=csp&report=<key>`: the page goes through ready, update, fetch, identify and reset by itself, then
//   POSTs what it saw (results, policy violations, a probe that the policy holds) to /__host/report/<key>.
// Framed, the widget tells its parent each outcome and snapshot, and answers its calls (postMessage).
import * as gkc from '../../src/index';

export interface PlainError {
  name: string;
  message: string;
  code?: string;
  /** Whether it is one of the library's coded errors. */
  coded: boolean;
}

export interface Started {
  sessionId?: string;
  error?: PlainError;
  ms: number;
  /** The snapshot the moment ready() settled. */
  atReady: PlainSnapshot;
}

export type PlainSnapshot = Omit<gkc.SessionSnapshot, 'error' | 'storageError'> & {
  error: PlainError | null;
  storageError: PlainError | null;
};

/** What a reentrant listener's calls came to. */
export interface Settled {
  method: string;
  outcome: 'pending' | 'resolved' | 'rejected';
  value?: unknown;
  error?: PlainError;
}

declare global {
  interface Window {
    gkc: typeof gkc;
    manager?: gkc.SessionManager;
    startOutcome?: Promise<Started>;
    /** The manager's onEvent trace: type, capability, and the error's name and code where there is one. */
    trace: { type: string; capability: gkc.Capability | null; error: PlainError | null }[];
    reentrant: Settled[];
    snap(): PlainSnapshot | null;
    /** Starts the page's manager later, as `?start=` does at load. */
    begin(options: object): void;
    call(method: string, arg?: unknown): Promise<unknown>;
    /** Host page: the framed widget's last word, and a call into it. */
    frame?: { started?: Started; snapshot?: PlainSnapshot | null; trace?: Window['trace'] };
    callFrame(method: string, arg?: unknown): Promise<unknown>;
    gkcViolations: { directive: string; blocked: string; sample: string }[];
  }
}

const params = new URLSearchParams(location.search);

export function plain(error: unknown): PlainError {
  const value = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  const result: PlainError = {
    name: String(value?.name ?? typeof error),
    message: String(value?.message ?? error),
    coded: gkc.isSessionError(error),
  };
  if (typeof value?.code === 'string') result.code = value.code;
  return result;
}

function plainSnapshot(snapshot: gkc.SessionSnapshot): PlainSnapshot {
  return {
    ...snapshot,
    error: snapshot.error && plain(snapshot.error),
    storageError: snapshot.storageError && plain(snapshot.storageError),
  };
}

window.gkc = gkc;
window.trace = [];
window.reentrant = [];
window.snap = () => (window.manager ? plainSnapshot(window.manager.getSnapshot()) : null);

/** The manager's methods by name, their results made plain (JSON survives every driver and postMessage). */
window.call = async (method, arg) => {
  const manager = window.manager;
  if (!manager) throw new Error('no manager on this page');
  if (method === 'ready') return (await manager.ready()).sessionId;
  if (method === 'update') return (await manager.update(arg as gkc.VisitData)).sessionId;
  if (method === 'identify') return (await manager.identify(arg as gkc.Identity)).sessionId;
  if (method === 'reset') return (await manager.reset()).sessionId;
  if (method === 'search') return (await manager.fetch(search())).status;
  if (method === 'snapshot') return window.snap();
  throw new Error(`no such call: ${method}`);
};

const search = () =>
  new Request(new URL('/gks-server/v1/kbs/support/search?lang=en', location.href), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'invoice' }),
  });

if (location.pathname === '/host') host();
else widget();

function widget(): void {
  installHooks();
  const framed = window.parent !== window;
  const tell = (message: object) => {
    if (framed) window.parent.postMessage({ gkcFrame: true, ...message }, '*');
  };
  if (framed) {
    window.addEventListener('message', (event: MessageEvent) => {
      const { gkcCall, method, arg } = (event.data ?? {}) as {
        gkcCall?: number;
        method?: string;
        arg?: unknown;
      };
      if (gkcCall === undefined || method === undefined) return;
      window.call(method, arg).then(
        (value) => tell({ gkcReply: gkcCall, value }),
        (error: unknown) => tell({ gkcReply: gkcCall, error: plain(error) }),
      );
    });
  }
  window.begin = (given) => begin(given, tell);
  const start = params.get('start');
  if (start !== null) begin(JSON.parse(start || '{}'), tell);
}

/** Starts the page's manager with `given` options (and the hooks' listeners). */
function begin(given: object, tell: (message: object) => void): void {
  const reentrant = params.get('reentrant');
  const options: gkc.SessionManagerOptions = {
    baseUrl: '/gks-server/v1',
    onEvent: (event) => {
      window.trace.push({
        type: event.type,
        capability: event.capability,
        error: event.error && plain(event.error),
      });
      if (reentrant === 'onEvent' && window.manager?.getSnapshot().status === 'ready')
        callBack(window.manager);
    },
    ...given,
  };
  const began = performance.now();
  const manager = gkc.createSessionManager(options);
  window.manager = manager;
  manager.subscribe((snapshot) => {
    tell({ snapshot: plainSnapshot(snapshot), trace: window.trace });
    if (reentrant === 'subscribe' && snapshot.status === 'ready') callBack(manager);
  });
  const settled = (result: Omit<Started, 'ms' | 'atReady'>): Started => {
    const started = {
      ...result,
      ms: performance.now() - began,
      atReady: plainSnapshot(manager.getSnapshot()),
    };
    tell({ started, snapshot: started.atReady, trace: window.trace });
    return started;
  };
  window.startOutcome = manager.ready().then(
    (session) => settled({ sessionId: session.sessionId }),
    (error: unknown) => settled({ error: plain(error) }),
  );
  if (params.get('run') === 'csp') void underPolicy(manager);
}

/** Calls back into the manager from inside its listener, once: every promise must settle. */
let calledBack = false;
function callBack(manager: gkc.SessionManager): void {
  if (calledBack) return;
  calledBack = true;
  const watch = (method: string, promise: Promise<unknown>) => {
    const entry: Settled = { method, outcome: 'pending' };
    window.reentrant.push(entry);
    promise.then(
      (value) => Object.assign(entry, { outcome: 'resolved', value }),
      (error: unknown) => Object.assign(entry, { outcome: 'rejected', error: plain(error) }),
    );
  };
  watch(
    'identify',
    manager.identify({ customerId: 'c-reentrant' }).then((session) => session.sessionId),
  );
  watch(
    'fetch',
    manager.fetch(search()).then((response) => response.status),
  );
  watch(
    'reset',
    manager.reset().then((session) => session.sessionId),
  );
}

/** The page's own run through the API under the strict policy, reported to the server. */
async function underPolicy(manager: gkc.SessionManager): Promise<void> {
  const steps: Record<string, unknown> = {};
  const step = async (name: string, work: () => Promise<unknown>) => {
    try {
      steps[name] = await work();
    } catch (error) {
      steps[name] = { failed: plain(error) };
    }
  };
  await step('ready', async () => (await manager.ready()).sessionId);
  await step('update', async () => (await manager.update({ visitId: 'v-csp' })).visitId);
  await step('fetch', async () => (await manager.fetch(search())).status);
  await step('identify', async () => (await manager.identify({ customerId: 'c-csp' })).customerId);
  await step('reset', async () => (await manager.reset()).sessionId);
  // Violation events are queued as tasks: the run's last ones have arrived after a macrotask or two.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const duringRun = [...window.gkcViolations];
  // The probes: the policy is in force in this engine, and the counter sees what it refuses.
  let evalRefused = false;
  try {
    new Function('return 1')();
  } catch {
    evalRefused = true;
  }
  let trustedTypesRefused: boolean | null = null;
  if ('trustedTypes' in window) {
    try {
      document.createElement('div').innerHTML = '<b>probe</b>';
      trustedTypesRefused = false;
    } catch {
      trustedTypesRefused = true;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const report = {
    steps,
    snapshot: window.snap(),
    duringRun,
    evalRefused,
    trustedTypesRefused,
    afterProbes: window.gkcViolations.length - duringRun.length,
  };
  await fetch(`/__host/report/${encodeURIComponent(params.get('report') ?? 'csp')}`, {
    method: 'POST',
    body: JSON.stringify(report),
  });
}

function installHooks(): void {
  const openThrows = params.get('idbOpenThrows');
  if (openThrows) {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The operation is insecure.', openThrows);
    };
  }
  const writeThrows = params.get('idbWriteThrows');
  if (writeThrows) {
    IDBObjectStore.prototype.put = () => {
      throw new DOMException(
        'A mutation operation was attempted on a database that did not allow mutations.',
        writeThrows,
      );
    };
  }
  if (params.has('emptyReadOnHide')) emptyReadsOnHide();
  const hold = Number(params.get('holdTimers'));
  if (hold > 0) holdTimersAfterCreate(hold);
}

/**
 * Reads in flight at `pagehide`, and made while the page is hidden, answer with nothing (as WebKit's aborted
 * reads do); the reads before it wait for it. After `pageshow` reads are real again.
 */
function emptyReadsOnHide(): void {
  const realGet = IDBObjectStore.prototype.get;
  let phase: 'before' | 'hidden' | 'shown' = 'before';
  const waiting: (() => void)[] = [];
  window.addEventListener('pagehide', () => {
    phase = 'hidden';
    for (const answer of waiting.splice(0)) answer();
  });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) phase = 'shown';
  });
  IDBObjectStore.prototype.get = function get(this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
    if (phase === 'shown') return realGet.call(this, key);
    // idb-keyval sets onsuccess (and oncomplete) and reads `result`: a request-like object is enough.
    const request = { result: undefined, error: null } as unknown as IDBRequest & Record<string, unknown>;
    const answer = () => setTimeout(() => (request.onsuccess as (() => void) | null)?.());
    if (phase === 'hidden') answer();
    else waiting.push(answer);
    return request;
  };
}

/** From the first Create on, no timer of the page runs for `ms`; those due meanwhile run at the end. */
function holdTimersAfterCreate(ms: number): void {
  const realSetTimeout = window.setTimeout.bind(window);
  const realSetInterval = window.setInterval.bind(window);
  let holdUntil = 0;
  const realFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const request = new Request(input, init);
    if (holdUntil === 0 && request.method === 'PUT' && request.url.includes('/sessions/new'))
      holdUntil = performance.now() + ms;
    return realFetch(input, init);
  };
  const later = (run: () => void) => {
    const wait = holdUntil - performance.now();
    if (wait > 0) realSetTimeout(run, wait);
    else run();
  };
  window.setTimeout = ((callback: () => void, delay?: number, ...args: unknown[]) =>
    realSetTimeout(() => later(() => callback(...(args as []))), delay)) as typeof window.setTimeout;
  window.setInterval = ((callback: () => void, delay?: number) => {
    let deferred = false;
    return realSetInterval(() => {
      if (performance.now() >= holdUntil) return callback();
      // Ticks due while held collapse into one at the end, as a throttled tab's do.
      if (deferred) return;
      deferred = true;
      later(() => {
        deferred = false;
        callback();
      });
    }, delay);
  }) as typeof window.setInterval;
}

/** The host page: frames the widget, keeps what it says, and calls into it. */
function host(): void {
  const src = params.get('frame');
  if (!src) throw new Error('/host needs ?frame=<url>');
  const frame = document.createElement('iframe');
  const sandbox = params.get('sandbox');
  if (sandbox !== null) frame.setAttribute('sandbox', sandbox);
  frame.src = src;
  window.frame = {};
  let next = 0;
  const replies = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== frame.contentWindow || !event.data?.gkcFrame) return;
    const data = event.data as {
      started?: Started;
      snapshot?: PlainSnapshot;
      trace?: Window['trace'];
      gkcReply?: number;
      value?: unknown;
      error?: PlainError;
    };
    if (data.gkcReply !== undefined) {
      const reply = replies.get(data.gkcReply);
      replies.delete(data.gkcReply);
      if (data.error) reply?.reject(new Error(`${data.error.name}: ${data.error.message}`));
      else reply?.resolve(data.value);
      return;
    }
    Object.assign(window.frame ?? {}, {
      ...(data.started ? { started: data.started } : {}),
      ...(data.snapshot ? { snapshot: data.snapshot } : {}),
      ...(data.trace ? { trace: data.trace } : {}),
    });
  });
  window.callFrame = (method, arg) =>
    new Promise((resolve, reject) => {
      const id = next++;
      replies.set(id, { resolve, reject });
      frame.contentWindow?.postMessage({ gkcCall: id, method, arg }, '*');
    });
  document.body.append(frame);
}
