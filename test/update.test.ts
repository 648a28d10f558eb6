import { focusManager, onlineManager, QueryClient, QueryObserver } from '@tanstack/query-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DestroyedError, HttpError, sessionQueryKey } from '../src/index';
import { manager, readRecord, tick } from './helpers/managers';
import { patience, startStandIn } from './helpers/standIn';

afterEach(() => {
  onlineManager.setOnline(true);
});

describe('update', () => {
  it('shows the new values at once and resolves when the server has them', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId } = await m.ready();
    const pending = m.update({ visitId: 'v-2', globalVisitId: 'g-2' });
    expect(m.getSnapshot().session).toMatchObject({ visitId: 'v-2', globalVisitId: 'g-2' });
    expect(m.getSnapshot().pendingUpdates).toBe(2);
    expect(m.getSnapshot().change).toMatchObject({ reason: 'updated', sessionId });
    const acknowledged = await pending;
    expect(acknowledged).toMatchObject({ sessionId, visitId: 'v-2', globalVisitId: 'g-2' });
    expect(server.sessions.get(sessionId)).toMatchObject({ visitId: 'v-2', globalVisitId: 'g-2' });
    expect(m.getSnapshot().pendingUpdates).toBe(0);
    expect((await readRecord(baseUrl)).session).toMatchObject({ visitId: 'v-2' });
    expect((await readRecord(baseUrl)).pending).toEqual({});
  });

  it.each([40, 100])(
    'coalesces a burst of %i calls into at most 3 Updates, ending on the latest values',
    async (count) => {
      const { server, baseUrl } = await startStandIn();
      const m = manager({ baseUrl });
      const { sessionId } = await m.ready();
      const calls = Array.from({ length: count }, (_, i) =>
        m.update(i % 2 ? { visitId: `v-${i}` } : { globalVisitId: `g-${i}` }),
      );
      const results = await Promise.all(calls);
      const updates = server.calls('update');
      expect(updates.length).toBeLessThanOrEqual(3);
      const lastVisit = `v-${count - 1}`;
      const lastGlobal = `g-${count - 2}`;
      expect(server.sessions.get(sessionId)).toMatchObject({ visitId: lastVisit, globalVisitId: lastGlobal });
      // Every call settles, with what the server acknowledged: its own value or a later one of the same field.
      for (const result of results)
        expect(result).toMatchObject({ sessionId, visitId: lastVisit, globalVisitId: lastGlobal });
      expect(m.getSnapshot().pendingUpdates).toBe(0);
    },
  );

  it('sends nothing for values the session already holds, acknowledged, and resolves with the session', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId } = await m.ready();
    await m.update({ visitId: 'v-1', globalVisitId: 'g-1' });
    await m.identify({ customerId: 'c-1' });
    expect(server.calls('update')).toHaveLength(2);
    const again = await m.update({ visitId: 'v-1', globalVisitId: 'g-1' });
    const identified = await m.identify({ customerId: 'c-1' });
    expect(again).toMatchObject({ sessionId, visitId: 'v-1', globalVisitId: 'g-1', customerId: 'c-1' });
    expect(identified).toMatchObject({ sessionId, customerId: 'c-1' });
    // A call that changes one field sends that one only.
    await m.update({ visitId: 'v-1', globalVisitId: 'g-2' });
    await tick(20);
    expect(server.calls('update')).toHaveLength(3);
    expect(server.calls('update')[2]?.body).toEqual({ globalVisitId: 'g-2' });
    expect(m.getSnapshot().pendingUpdates).toBe(0);
  });

  it('coalesces calls spread over a burst into one Update', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId } = await m.ready();
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      calls.push(m.update({ visitId: `spread-${i}` }));
      await tick(3);
    }
    await Promise.all(calls);
    expect(server.calls('update')).toHaveLength(1);
    expect(server.sessions.get(sessionId)?.visitId).toBe('spread-19');
  });

  it('sends changes in the order they were made', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, coalesceMs: 0 });
    await m.ready();
    server.faults = { delayMs: 30 };
    const first = m.update({ visitId: 'a' });
    // 'b' is made while 'a' is on the wire (a fixed delay could let them coalesce on a loaded machine).
    await vi.waitFor(() => expect(server.calls('update')).toHaveLength(1), patience);
    const second = m.update({ visitId: 'b' });
    await Promise.all([first, second]);
    expect(server.calls('update').map((entry) => (entry.body as { visitId: string }).visitId)).toEqual([
      'a',
      'b',
    ]);
  });

  it('waits while the browser is offline and sends when it is back', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await m.ready();
    onlineManager.setOnline(false);
    let settled = false;
    const pending = m.update({ visitId: 'offline' }).then((session) => {
      settled = true;
      return session;
    });
    await tick(50);
    expect(server.calls('update')).toHaveLength(0);
    expect(settled).toBe(false);
    expect(m.getSnapshot()).toMatchObject({ pendingUpdates: 1, session: { visitId: 'offline' } });
    expect((await readRecord(baseUrl)).pending).toMatchObject({ visitId: { value: 'offline' } });
    onlineManager.setOnline(true);
    expect(await pending).toMatchObject({ visitId: 'offline' });
    expect(server.calls('update')).toHaveLength(1);
  });

  it('keeps a change while the server is unreachable, past the retries, and sends it when it is back', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 40 } });
    const { sessionId } = await m.ready();
    server.faults = { down: true };
    let settled = false;
    const pending = m.update({ visitId: 'kept' }).finally(() => {
      settled = true;
    });
    await expect.poll(() => m.getSnapshot().error?.name).toBe('NetworkError');
    expect(settled).toBe(false);
    expect(m.getSnapshot().pendingUpdates).toBe(1);
    server.faults = {};
    expect(await pending).toMatchObject({ visitId: 'kept' });
    expect(server.sessions.get(sessionId)?.visitId).toBe('kept');
    expect(m.getSnapshot()).toMatchObject({ pendingUpdates: 0, error: null });
  });

  it('survives a reload: a change never sent is sent by the next page load', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl });
    const { sessionId } = await first.ready();
    onlineManager.setOnline(false);
    const lost = first.update({ visitId: 'after-reload' }).catch((e: unknown) => e);
    await expect.poll(async () => (await readRecord(baseUrl)).pending?.visitId?.value).toBe('after-reload');
    first.destroy(); // the tab closes while offline
    expect(await lost).toBeInstanceOf(DestroyedError);
    onlineManager.setOnline(true);

    const next = manager({ baseUrl });
    expect(await next.ready()).toMatchObject({ sessionId, visitId: 'after-reload' });
    await expect.poll(() => server.sessions.get(sessionId)?.visitId).toBe('after-reload');
    await expect.poll(() => next.getSnapshot().pendingUpdates).toBe(0);
    expect(server.calls('update')).toHaveLength(1);
    expect((await readRecord(baseUrl)).pending).toEqual({});
  });

  it('sends a closed tab’s change it takes over through the queue: the mutation cache sees it, retried past a 503', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl });
    const { sessionId } = await first.ready();
    onlineManager.setOnline(false);
    const lost = first.update({ visitId: 'taken-over' }).catch((e: unknown) => e);
    await expect.poll(async () => (await readRecord(baseUrl)).pending?.visitId?.value).toBe('taken-over');
    first.destroy(); // the tab closes while offline
    expect(await lost).toBeInstanceOf(DestroyedError);
    onlineManager.setOnline(true);
    server.faults = { failNext: { count: 1, status: 503 } };

    const queryClient = new QueryClient();
    const failures: number[] = [];
    queryClient.getMutationCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'failed')
        failures.push(event.action.failureCount);
    });
    const next = manager({ baseUrl, queryClient });
    expect(await next.ready()).toMatchObject({ sessionId, visitId: 'taken-over' });
    await expect.poll(() => server.sessions.get(sessionId)?.visitId).toBe('taken-over');
    await expect.poll(() => next.getSnapshot().pendingUpdates).toBe(0);
    const updates = server.calls('update');
    expect(updates.map((call) => call.status)).toEqual([503, 200]);
    const mutations = queryClient.getMutationCache().findAll({ mutationKey: [...next.queryKey, 'update'] });
    expect(mutations).toHaveLength(1);
    expect(mutations[0]?.state.status).toBe('success');
    // The 503 was the mutation's: query-core saw it fail once and retried it.
    expect(failures).toEqual([1]);
  });

  it('rolls back, with a typed error, when the server refuses for good', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, visitId: 'good' });
    const { sessionId } = await m.ready();
    server.faults = { failNext: { count: 1, status: 422 } };
    const refused = m.update({ visitId: 'bad' });
    expect(m.getSnapshot().session?.visitId).toBe('bad');
    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 422, retryable: false });
    expect(m.getSnapshot()).toMatchObject({ session: { visitId: 'good' }, pendingUpdates: 0, error });
    expect(server.sessions.get(sessionId)?.visitId).toBe('good');
    expect((await readRecord(baseUrl)).session.visitId).toBe('good');
  });

  it('shows another manager the new values without a request of its own', async () => {
    const { server, baseUrl } = await startStandIn();
    const here = manager({ baseUrl });
    const there = manager({ baseUrl });
    await Promise.all([here.ready(), there.ready()]);
    await here.update({ visitId: 'shared' });
    await expect.poll(() => there.getSnapshot().session?.visitId).toBe('shared');
    expect(there.getSnapshot().change).toMatchObject({ reason: 'updated', remote: true });
    expect(server.calls('update')).toHaveLength(1);
  });

  it.each(['9', '8.5.1'] as const)(
    'resolves on a %s server that lost the session only once a session holds the value',
    async (version) => {
      const { server, baseUrl } = await startStandIn({ version });
      const m = manager({ baseUrl, customerId: 'c-1' });
      const { sessionId: lost } = await m.ready();
      server.forgetSessions();
      const session = await m.update({ visitId: 'kept-across' });
      expect(session.sessionId).not.toBe(lost);
      expect(server.sessions.get(session.sessionId)).toMatchObject({
        visitId: 'kept-across',
        customerId: 'c-1',
      });
      expect(m.getSnapshot()).toMatchObject({ pendingUpdates: 0, session: { sessionId: session.sessionId } });
    },
  );

  it('refuses a bad value with a TypeError naming it, and sends nothing', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await expect(m.update({ visitId: 'a\nb' })).rejects.toThrow(/visitId/);
    await expect(m.update({ globalVisitId: 7 as never })).rejects.toThrow(TypeError);
    expect(server.log).toHaveLength(0);
  });

  it('carries changes made before the session exists in the Create', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const session = await m.update({ visitId: 'early' });
    expect(session.visitId).toBe('early');
    expect(server.calls('create')[0]?.body).toEqual({ visitId: 'early' });
    expect(server.calls('update')).toHaveLength(0);
  });
});

describe('identify through the update path', () => {
  it('waits offline, and identifies the same session once back', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId } = await m.ready();
    onlineManager.setOnline(false);
    const pending = m.identify({ customerId: 'c-offline' });
    await tick(30);
    expect(server.calls('update')).toHaveLength(0);
    expect(m.getSnapshot().session?.customerId).toBe('c-offline');
    onlineManager.setOnline(true);
    expect(await pending).toMatchObject({ sessionId, customerId: 'c-offline' });
    expect(server.calls('update')[0]).toMatchObject({ customerId: 'c-offline' });
  });
});

describe('the session in the QueryClient', () => {
  it('lives in the shared QueryClient under the exported key, and observers follow it', async () => {
    const { baseUrl } = await startStandIn();
    const queryClient = new QueryClient();
    const m = manager({ baseUrl, queryClient });
    expect(m.queryKey).toEqual(sessionQueryKey(`${baseUrl}/`));
    const seen: unknown[] = [];
    const observer = new QueryObserver(queryClient, { queryKey: m.queryKey, enabled: false });
    const unsubscribe = observer.subscribe((result) => seen.push(result.data));
    const { sessionId } = await m.ready();
    expect(queryClient.getQueryData(m.queryKey)).toMatchObject({ sessionId });
    await m.update({ visitId: 'in-cache' });
    expect(queryClient.getQueryData(m.queryKey)).toMatchObject({ sessionId, visitId: 'in-cache' });
    expect(seen.at(-1)).toMatchObject({ visitId: 'in-cache' });
    unsubscribe();
  });

  it('runs the visit-data mutations in the shared mutation cache', async () => {
    const { baseUrl } = await startStandIn();
    const queryClient = new QueryClient();
    const m = manager({ baseUrl, queryClient });
    await m.ready();
    await m.update({ visitId: 'tracked' });
    const mutations = queryClient.getMutationCache().findAll({ mutationKey: [...m.queryKey, 'update'] });
    expect(mutations.length).toBeGreaterThan(0);
    await expect.poll(() => mutations.every((mutation) => mutation.state.status === 'success')).toBe(true);
  });
});

describe('Web Engagement', () => {
  afterEach(() => {
    delete (globalThis as { _gt?: unknown })._gt;
  });

  it('keeps the visit ids in step with the tracker when asked to', async () => {
    const { server, baseUrl } = await startStandIn();
    // The tracker's Monitoring JS API, as far as the library uses it.
    let ids = { visitID: 'gwe-visit-1', globalVisitID: 'gwe-global' };
    (globalThis as { _gt?: unknown })._gt = {
      push: ([command, callback]: [string, (value: unknown) => void]) => {
        if (command === 'getIDs') callback(ids);
      },
    };
    const m = manager({ baseUrl, webEngagement: true });
    const { sessionId } = await m.ready();
    expect(server.calls('create')[0]?.body).toEqual({ visitId: 'gwe-visit-1', globalVisitId: 'gwe-global' });

    ids = { visitID: 'gwe-visit-2', globalVisitID: 'gwe-global' };
    focusManager.setFocused(false);
    focusManager.setFocused(true); // a new visit, noticed when the page regains focus
    await expect.poll(() => server.sessions.get(sessionId)?.visitId).toBe('gwe-visit-2');
    focusManager.setFocused(undefined);
    expect(server.calls('update')).toHaveLength(1);
  });

  it('reads a tracker that answers at once one time at start and one time per focus, on a warm start too', async () => {
    const { server, baseUrl } = await startStandIn();
    const first = manager({ baseUrl });
    const { sessionId } = await first.ready();
    first.destroy();
    // The loaded tracker calls back inside push(): its new ids reach the manager while it is still
    // starting its watch, which must not start the watch again.
    let ids = { visitID: 'gwe-visit-1', globalVisitID: 'gwe-global' };
    const push = vi.fn(([command, callback]: [string, (value: unknown) => void]) => {
      if (command === 'getIDs') callback(ids);
    });
    (globalThis as { _gt?: unknown })._gt = { push };
    const m = manager({ baseUrl, webEngagement: true });
    expect(await m.ready()).toMatchObject({ sessionId });
    await expect.poll(() => server.sessions.get(sessionId)?.visitId).toBe('gwe-visit-1');
    expect(push).toHaveBeenCalledTimes(1);
    ids = { visitID: 'gwe-visit-2', globalVisitID: 'gwe-global' };
    focusManager.setFocused(false);
    focusManager.setFocused(true);
    await expect.poll(() => server.sessions.get(sessionId)?.visitId).toBe('gwe-visit-2');
    expect(push).toHaveBeenCalledTimes(2);
    expect(server.calls('update')).toHaveLength(2);
    focusManager.setFocused(undefined);
  });

  it('leaves the tracker alone by default', async () => {
    const { baseUrl } = await startStandIn();
    const push = vi.fn();
    (globalThis as { _gt?: unknown })._gt = { push };
    await manager({ baseUrl }).ready();
    expect(push).not.toHaveBeenCalled();
  });
});
