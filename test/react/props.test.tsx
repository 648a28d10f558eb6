// The React binding's props over a component's life, under <StrictMode> with React's development build
// (Vitest runs it: every effect runs, is cleaned up and runs again), in happy-dom with fake-indexeddb against
// the stand-in. The browsers run the same binding for real (../browser/react.browser.test.ts).
import { act, StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, expect, it, vi } from 'vitest';
import type { SessionManager } from '../../src/index';
import { patience, startStandIn } from '../helpers/standIn';
import { App, type AppProps } from './app';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}
// Tells React that updates are wrapped in act() here, as its testing guide asks.
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | undefined;
let managers: SessionManager[] = [];
const onManager = (manager: SessionManager | null) => {
  if (manager && !managers.includes(manager)) managers.push(manager);
};

afterEach(async () => {
  await act(() => root?.unmount());
  root = undefined;
  managers = [];
});

async function render(props: AppProps) {
  root ??= createRoot(document.body.appendChild(document.createElement('div')));
  await act(() =>
    root?.render(
      <StrictMode>
        <App {...props} onManager={onManager} />
      </StrictMode>,
    ),
  );
}

const current = () => managers.at(-1) as SessionManager;
const ready = () =>
  vi.waitFor(() => {
    expect(current()?.getSnapshot().status).toBe('ready');
    return current().getSnapshot().session?.sessionId as string;
  }, patience);

it('sends a changed visitId as an Update on the same manager', async () => {
  const { server, baseUrl } = await startStandIn();
  const events: string[] = [];
  await render({ baseUrl, visitId: 'v-1', onEvent: ({ type }) => void events.push(type) });
  const sessionId = await ready();
  // Strict Mode is on: the first manager was destroyed at once, and the second took its place.
  expect(events.filter((type) => type === 'destroyed')).toHaveLength(1);
  await render({ baseUrl, visitId: 'v-2' });
  await vi.waitFor(() => expect(server.sessions.get(sessionId)?.visitId).toBe('v-2'), patience);
  // Taken away, the session keeps what it has.
  await render({ baseUrl });
  await act(() => new Promise((resolve) => setTimeout(resolve, 100)));
  expect(server.sessions.get(sessionId)?.visitId).toBe('v-2');
  expect(managers).toHaveLength(1);
  expect(server.calls('create')).toHaveLength(1);
});

it('resets when agentId is taken away, and identifies the new session as the customer still given', async () => {
  const { server, baseUrl } = await startStandIn();
  await render({ baseUrl, customerId: 'c-1', agentId: 'a-1' });
  const first = await ready();
  expect(server.sessions.get(first)).toMatchObject({ customerId: 'c-1', agentId: 'a-1' });

  await render({ baseUrl, customerId: 'c-1' });
  await vi.waitFor(() => {
    const session = current().getSnapshot().session;
    expect(session?.sessionId).not.toBe(first);
    expect(server.sessions.get(session?.sessionId ?? '')?.customerId).toBe('c-1');
  }, patience);
  const second = current().getSnapshot().session?.sessionId ?? '';
  expect(server.sessions.get(second)?.agentId).toBeUndefined();
  // No request under the new session carried the agent.
  expect(server.log.filter((call) => call.sessionId === second && call.agentId !== null)).toEqual([]);
  expect(managers).toHaveLength(1);
});

it('keeps its manager when other options change, inline callbacks included', async () => {
  const { server, baseUrl } = await startStandIn();
  await render({ baseUrl, onEvent: () => {}, coalesceMs: 50 });
  await ready();
  await render({ baseUrl, onEvent: () => {}, coalesceMs: 0, revalidate: false });
  await render({ baseUrl: new URL(baseUrl), onEvent: () => {} }); // the same server, as a URL
  expect(managers).toHaveLength(1);
  expect(current().getSnapshot().status).toBe('ready');
  expect(server.calls('create')).toHaveLength(1);
});

it('creates a new manager for a new tenantId, and destroys the old one', async () => {
  const { server, baseUrl } = await startStandIn();
  await render({ baseUrl, tenantId: 't-1' });
  await ready();
  // Another tenant and a customer at once: the new manager is created for the customer.
  await render({ baseUrl, tenantId: 't-2', customerId: 'c-9' });
  await ready();
  expect(managers.map((manager) => manager.getSnapshot().status)).toEqual(['destroyed', 'ready']);
  // A tenant's session is its own: one Create per tenant, and nothing else sent for the customer.
  expect(server.calls('create').map((call) => [call.tenantId, call.customerId])).toEqual([
    ['t-1', null],
    ['t-2', 'c-9'],
  ]);
  expect(server.calls('update')).toEqual([]);
});
