// gkc-session/devtools under happy-dom, against the stand-in: what `withDevtools` passes through while no
// panel is mounted, and how the request rows read the requests (tenant, a Request object, a URL outside the
// server, the session a Create answered). The panel across tabs is tested in real browsers
// (test/browser/devtools.browser.test.ts).
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DevtoolsTrace, mountDevtools, type TraceRequestRow, withDevtools } from '../src/devtools/index';
import { createSessionManager, type SessionEvent, type SessionManager } from '../src/index';
import { fastRetry } from './helpers/managers';
import { patience, startStandIn } from './helpers/standIn';

const managers: SessionManager[] = [];
let unmount = () => {};

afterEach(() => {
  unmount();
  for (const manager of managers.splice(0)) manager.destroy();
});

const create = withDevtools(createSessionManager);

describe('withDevtools', () => {
  it("passes the application's own onEvent and fetch every call while no panel is mounted, and adds no node", async () => {
    const { server, baseUrl } = await startStandIn();
    const events: SessionEvent[] = [];
    const transport = vi.fn((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
    const manager = create({
      baseUrl,
      storage: 'memory',
      retry: fastRetry,
      onEvent: (e) => events.push(e),
      fetch: transport,
    });
    managers.push(manager);
    const { sessionId } = await manager.ready();
    expect((await manager.fetch('kbs/support/top')).status).toBe(200);

    expect(transport).toHaveBeenCalledTimes(2);
    expect(String(transport.mock.calls[1]?.[0])).toBe(`${baseUrl}/kbs/support/top?sessionId=${sessionId}`);
    expect(server.calls().map((call) => call.call)).toEqual(['create', 'top']);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['start', 'established']));
    expect(events.at(-1)).toMatchObject({ sessionId, phase: 'ready' });
    expect(document.querySelectorAll('[data-gkc-session-devtools]')).toHaveLength(0);
  });

  it('sends through the global fetch looked up on each call when the application gives none', async () => {
    const { baseUrl } = await startStandIn();
    const manager = create({ baseUrl, storage: 'memory', retry: fastRetry });
    managers.push(manager);
    const original = globalThis.fetch;
    const seen: string[] = [];
    // The application wraps the global fetch after the manager was made: its calls still go through it.
    globalThis.fetch = (input, init) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return original(input, init);
    };
    try {
      await manager.ready();
    } finally {
      globalThis.fetch = original;
    }
    expect(seen).toEqual([`${baseUrl}/sessions/new`]);
  });
});

describe('the request rows', () => {
  it('read the call, the path without sessionId and tenantId, and the session each request carried', async () => {
    const { server, baseUrl } = await startStandIn({ tenantId: 't-1' });
    const manager = create({ baseUrl, tenantId: 't-1', storage: 'memory', retry: fastRetry });
    managers.push(manager);
    let copied = '';
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: {
        writeText: async (text: string) => {
          copied = text;
        },
      },
    });
    unmount = mountDevtools(manager, { label: 'here' });
    const { sessionId } = await manager.ready();
    await manager.fetch(new Request(`${baseUrl}/kbs/support/top?size=2`));
    await manager.update({ visitId: 'v-1' });
    // Outside the server: sent untouched by the manager, and shown as it went.
    const elsewhere = `${new URL(baseUrl).origin}/elsewhere/ping`;
    await manager.fetch(elsewhere).catch(() => {});

    const buttons = document
      .querySelector('[data-gkc-session-devtools]')
      ?.shadowRoot?.querySelectorAll('button');
    const button = [...(buttons ?? [])].find((candidate) => candidate.textContent === 'Copy trace');
    let rows: TraceRequestRow[] = [];
    await vi.waitFor(() => {
      copied = '';
      button?.click();
      expect(copied).not.toBe('');
      rows = (JSON.parse(copied) as DevtoolsTrace).rows.filter((row) => row.kind === 'request');
      expect(rows).toHaveLength(4);
    }, patience);
    expect(
      rows.map(({ call, method, path, sessionId: carried }) => ({ call, method, path, sessionId: carried })),
    ).toEqual([
      { call: 'create', method: 'PUT', path: '/sessions/new', sessionId },
      { call: 'knowledge', method: 'GET', path: '/kbs/support/top?size=2', sessionId },
      { call: 'update', method: 'POST', path: `/sessions/${sessionId}`, sessionId },
      { call: 'other', method: 'GET', path: elsewhere, sessionId: null },
    ]);
    expect(rows.every((row) => row.tab === 'here')).toBe(true);
    expect(server.calls().map((call) => call.tenantId)).toEqual(['t-1', 't-1', 't-1']);
  });
});

describe('mountDevtools', () => {
  it('shows every manager made through withDevtools, and the next one once the one shown is destroyed', async () => {
    const { baseUrl } = await startStandIn();
    unmount = mountDevtools(undefined, { open: true });
    const first = create({ baseUrl, storage: 'memory', retry: fastRetry });
    managers.push(first);
    await first.ready();
    const root = () => document.querySelector('[data-gkc-session-devtools]')?.shadowRoot;
    const shown = () => {
      const select = root()?.querySelector('select');
      return {
        choices: select?.options.length,
        selected: select?.value,
        hidden: select?.parentElement?.hidden,
      };
    };
    await vi.waitFor(() => expect(shown()).toMatchObject({ choices: 1, hidden: true }), patience);
    const firstValue = shown().selected;

    // A hot reload: the module makes its manager again, then the old one is destroyed.
    const second = create({ baseUrl, storage: 'memory', retry: fastRetry });
    managers.push(second);
    await second.ready();
    await vi.waitFor(
      () => expect(shown()).toMatchObject({ choices: 2, hidden: false, selected: firstValue }),
      patience,
    );
    first.destroy();
    await vi.waitFor(() => expect(shown().selected).not.toBe(firstValue), patience);
    expect(root()?.querySelector('[role="tabpanel"]:not([hidden]) dd')?.textContent).toBe('ready');
  });
});

describe('the pending changes by field', () => {
  it("are read from the manager's own indexedDB (a Storage Access handle's), not the page's", async () => {
    const { server, baseUrl } = await startStandIn();
    const handleIndexedDB = new IDBFactory(); // a database of its own, as a handle's unpartitioned one is
    const manager = create({ baseUrl, indexedDB: handleIndexedDB, retry: fastRetry, coalesceMs: 0 });
    managers.push(manager);
    await manager.ready();
    server.faults = { down: true };
    manager.update({ visitId: 'v-pending' }).catch(() => {});
    await vi.waitFor(() => expect(manager.getSnapshot().pendingUpdates).toBe(1), patience);

    unmount = mountDevtools(manager, { open: true });
    const pendingRows = () =>
      [
        ...(document.querySelector('[data-gkc-session-devtools]')?.shadowRoot?.querySelectorAll('tbody tr') ??
          []),
      ].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent));
    // happy-dom has no Web Locks: the owner's tab cannot be told, the field and value can.
    await vi.waitFor(
      () =>
        expect(pendingRows()).toEqual([['visitId', 'v-pending', expect.stringContaining('no Web Locks')]]),
      patience,
    );
    server.faults = {};
  });
});
