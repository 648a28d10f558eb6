// @vitest-environment node
// On a server (SSR) or in a Node script: no window, no IndexedDB, no page lifecycle.
import { expect, it } from 'vitest';
import { createSessionManager } from '../src/index';
import { startStandIn } from './helpers/standIn';

it('works in memory where there is no window and no IndexedDB', async () => {
  expect(typeof indexedDB).toBe('undefined');
  const { server, baseUrl } = await startStandIn();
  const manager = createSessionManager({ baseUrl, customerId: 'c-node' });
  expect(manager.getSnapshot()).toMatchObject({ status: 'idle', storage: 'memory', storageError: null });
  const session = await manager.ready();
  expect(session.customerId).toBe('c-node');
  expect(server.calls('create')).toHaveLength(1);

  const second = createSessionManager({ baseUrl });
  expect((await second.ready()).sessionId).toBe(session.sessionId);
  manager.destroy();
  second.destroy();
});

it('refuses a path baseUrl, since there is no page to resolve it against', () => {
  expect(() => createSessionManager({ baseUrl: '/gks-server/v1' })).toThrow(/no page to resolve it against/);
});
