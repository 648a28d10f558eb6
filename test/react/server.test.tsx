// @vitest-environment node
// The React binding rendered on a server, through react-dom/server in plain Node (no window, no IndexedDB), as
// Next.js or Remix render a page: effects do not run there, so no manager is created, and nothing is stored,
// locked or sent. The markup is the idle state, the same as the client's first render (the browsers hydrate it:
// ../browser/react.browser.test.ts).
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { expect, it } from 'vitest';
import {
  createSessionManager,
  type KeyValueStore,
  type LockManagerLike,
  type SessionManager,
} from '../../src/index';
import { idleSnapshot, useSession, useSessionSnapshot } from '../../src/react/index';
import { startStandIn } from '../helpers/standIn';
import { App, OwnWidget } from './app';

function Status({ manager }: { manager: SessionManager }) {
  return <span>{useSessionSnapshot(manager).status}</span>;
}

function Orphan() {
  return <span>{useSession().status}</span>;
}

/** Every edge a manager could touch, each counting its use. */
function recordingEdges() {
  const used: string[] = [];
  const storage: KeyValueStore = {
    get: async (key) => void used.push(`get ${key}`),
    set: async (key) => void used.push(`set ${key}`),
    del: async (key) => void used.push(`del ${key}`),
  };
  const locks: LockManagerLike = {
    request: (async (name: string) => void used.push(`lock ${name}`)) as LockManagerLike['request'],
  };
  class RecordingChannel extends BroadcastChannel {
    constructor(name: string) {
      super(name);
      used.push(`channel ${name}`);
    }
  }
  const fetch: typeof globalThis.fetch = (input, init) => {
    used.push(`fetch ${String(input)}`);
    return globalThis.fetch(input, init);
  };
  return { used, edges: { storage, locks, BroadcastChannel: RecordingChannel, fetch } };
}

it('renders the idle state on the server, sending, storing and locking nothing', async () => {
  expect(typeof window).toBe('undefined');
  const { server, baseUrl } = await startStandIn();
  const { used, edges } = recordingEdges();
  const markup = renderToString(
    <StrictMode>
      <App baseUrl={baseUrl} customerId="c-42" visitId="v-1" {...edges} />
      <OwnWidget baseUrl={baseUrl} customerId="c-42" {...edges} />
    </StrictMode>,
  );
  const idleBadge =
    '<p><output data-field="status">idle</output><output data-field="session"></output>' +
    '<output data-field="customer"></output></p>';
  expect(markup).toBe(idleBadge + idleBadge);
  // Given time to send anything it would have sent:
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(server.log).toEqual([]);
  expect(used).toEqual([]);
});

it('renders with a path baseUrl, which only a page could resolve: no manager exists on the server', () => {
  expect(() => renderToString(<App baseUrl="/gks-server/v1" />)).not.toThrow();
});

it("shows a manager's idle snapshot on the server even once it has a session, as hydration will", async () => {
  const { baseUrl } = await startStandIn();
  const manager = createSessionManager({ baseUrl });
  await manager.ready();
  expect(renderToString(<Status manager={manager} />)).toBe('<span>idle</span>');
  expect(Object.isFrozen(idleSnapshot)).toBe(true);
  manager.destroy();
});

it('refuses useSession outside a SessionProvider, naming the provider', () => {
  expect(() => renderToString(<Orphan />)).toThrow(/SessionProvider/);
});
