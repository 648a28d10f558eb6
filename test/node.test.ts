// @vitest-environment node
// On a server (SSR) or in a Node script: no window, no IndexedDB, no page lifecycle.
import { expect, it } from 'vitest';
import { createSessionManager, EnvironmentError, isSessionErrorWithCode } from '../src/index';
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

it('creates a manager for a path baseUrl without a page, idle, and rejects what needs the server with an EnvironmentError', async () => {
  const { server } = await startStandIn();
  const manager = createSessionManager({ baseUrl: '/gks-server/v1', customerId: 'c-ssr' });
  expect(manager.getSnapshot()).toMatchObject({ status: 'idle', session: null, storage: 'memory' });
  expect(manager.getSnapshot()).toBe(manager.getSnapshot());
  expect(manager.queryKey).toEqual(['gkc-session', '/gks-server/v1', null]);
  const heard: unknown[] = [];
  const unsubscribe = manager.subscribe((snapshot) => heard.push(snapshot));
  const calls = [
    manager.ready(),
    manager.update({ visitId: 'v' }),
    manager.identify({ customerId: 'c' }),
    manager.fetch('kbs/_dflt/search', { method: 'POST' }),
    manager.reset(),
  ];
  for (const call of calls) {
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(isSessionErrorWithCode(error, 'environment')).toBe(true);
    expect((error as Error).message).toMatch(/no page to resolve it against.*absolute baseUrl/);
  }
  unsubscribe();
  manager.destroy();
  expect(heard).toEqual([]);
  expect(server.log).toHaveLength(0);
});

it('still refuses a bad option at once for a path baseUrl without a page', () => {
  expect(() => createSessionManager({ baseUrl: '/gks-server/v1', customerId: 'a\nb' })).toThrow(TypeError);
  expect(() => createSessionManager({ baseUrl: '/x', timeoutMs: -1 })).toThrow(/timeoutMs/);
  expect(() => createSessionManager({ baseUrl: 'ftp://x' })).toThrow(/http\(s\)/);
});
