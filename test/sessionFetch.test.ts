// @vitest-environment node
// On Node's own fetch (undici); the property tests run manager.fetch under happy-dom, and test/browser/ in
// Chromium.
import { describe, expect, it } from 'vitest';
import { DestroyedError, decorateRequest, NetworkError, TimeoutError } from '../src/index';
import { manager, tick } from './helpers/managers';
import { startStandIn } from './helpers/standIn';

const json = { 'content-type': 'application/json' };

describe('manager.fetch', () => {
  it.each([
    ['a path', 'kbs/support/search'],
    ['a path with a leading slash', '/kbs/support/search'],
  ])('sends %s under baseUrl with the session and identity', async (_, path) => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, customerId: 'c-1', agentId: 'a-1' });
    const response = await m.fetch(path, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: 'refund' }),
    });
    expect(response.status).toBe(200);
    const { documents } = (await response.json()).response;
    expect(documents[0].id).toBe('return-item');
    const [search] = server.calls('search');
    expect(search).toMatchObject({
      sessionId: m.getSnapshot().session?.sessionId,
      customerId: 'c-1',
      agentId: 'a-1',
    });
  });

  it('decorates an absolute URL, a URL object and a Request under baseUrl, keeping their own parameters', async () => {
    const { server, baseUrl } = await startStandIn({ tenantId: 't-1' });
    const m = manager({ baseUrl, tenantId: 't-1' });
    const { sessionId } = await m.ready();
    await m.fetch(`${baseUrl}/kbs/support/top?size=2`);
    await m.fetch(new URL(`${baseUrl}/kbs/support/documents/two-factor`));
    await m.fetch(
      new Request(`${baseUrl}/kbs/support/suggestions`, {
        method: 'POST',
        headers: json,
        body: '{"query":"can"}',
      }),
    );
    const calls = server.log.filter((entry) => entry.call !== 'create');
    expect(calls.map((entry) => entry.call)).toEqual(['top', 'document', 'suggestions']);
    for (const call of calls) expect(call).toMatchObject({ sessionId, tenantId: 't-1' });
    expect(calls[2]?.body).toEqual({ query: 'can' });
  });

  it('passes a URL outside baseUrl through untouched: no session, no identity', async () => {
    const { server, baseUrl } = await startStandIn();
    const other = await startStandIn();
    const m = manager({ baseUrl, customerId: 'secret-customer' });
    await m.ready();
    const sibling = baseUrl.replace('/gks-server/v1', '/gks-server/v10');
    await m.fetch(`${other.baseUrl}/kbs/support/top`);
    await m.fetch(`${sibling}/kbs/support/top`);
    const [foreign] = other.server.log;
    expect(foreign).toMatchObject({ call: 'top', sessionId: null, customerId: null });
    expect(server.log.find((entry) => entry.path.startsWith('/gks-server/v10'))).toBeUndefined();
  });

  it('recovers from an unknown session and repeats the request once, with the same body', async () => {
    const { server, baseUrl } = await startStandIn({ version: '8.5.1' });
    const m = manager({ baseUrl, visitId: 'v-1' });
    const { sessionId: lost } = await m.ready();
    server.forgetSessions();
    const response = await m.fetch('kbs/support/search', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: 'password' }),
    });
    expect(response.status).toBe(200);
    const searches = server.calls('search');
    expect(searches).toHaveLength(2);
    expect(searches[0]).toMatchObject({ sessionId: lost, status: 404 });
    const fresh = m.getSnapshot().session?.sessionId;
    expect(fresh).not.toBe(lost);
    expect(searches[1]).toMatchObject({ sessionId: fresh, status: 200, body: { query: 'password' } });
    expect(m.getSnapshot().change).toMatchObject({ reason: 'not-found', previousSessionId: lost });
    expect(server.sessions.get(fresh ?? '')?.visitId).toBe('v-1');
  });

  it('recovers once when several requests meet the lost session together', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await m.ready();
    server.forgetSessions();
    const answers = await Promise.all(Array.from({ length: 5 }, () => m.fetch('kbs/support/top')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(server.calls('create')).toHaveLength(2);
  });

  it('repeats a Request input with its body after recovery', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await m.ready();
    server.forgetSessions();
    const request = new Request(`${baseUrl}/feedback/support/noAnswer?lang=en`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: 'warranty' }),
    });
    expect((await m.fetch(request)).status).toBe(200);
    expect(server.feedback).toEqual([expect.objectContaining({ kind: 'no-answer', query: 'warranty' })]);
  });

  it('returns other error answers as they are, without repeating', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const answer = await m.fetch('kbs/nope/top');
    expect(answer.status).toBe(404);
    expect(answer.url).toBe(`${baseUrl}/kbs/nope/top?sessionId=${m.getSnapshot().session?.sessionId}`);
    expect((await answer.json()).code).toBe('KB_NOT_FOUND');
    expect(server.calls('top')).toHaveLength(1);
  });

  it('does not repeat a streamed body, but recovers the session for the next request', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    const { sessionId: lost } = await m.ready();
    server.forgetSessions();
    const body = new Blob(['{"query":"order"}']).stream();
    const answer = await m.fetch('kbs/support/search', {
      method: 'POST',
      headers: json,
      body,
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(404);
    expect(server.calls('search')).toHaveLength(1);
    await expect.poll(() => m.getSnapshot().session?.sessionId).not.toBe(lost);
  });

  it('does not queue concurrent requests behind each other', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await m.ready();
    server.faults = { delayMs: 150 };
    const pending = [m.fetch('kbs/support/top'), m.fetch('kbs/support/top'), m.fetch('kbs/support/top')];
    // All three reach the server before the first is answered.
    await expect.poll(() => server.calls('top').length).toBe(3);
    expect(server.calls('top').every((entry) => entry.status === 0)).toBe(true);
    await Promise.all(pending);
  });

  it('rejects as fetch does when the caller aborts, with the library errors otherwise', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl, timeoutMs: 100 });
    await m.ready();
    server.faults = { delayMs: 300 };
    const controller = new AbortController();
    const aborted = m.fetch('kbs/support/top', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    await expect(m.fetch('kbs/support/top')).rejects.toBeInstanceOf(TimeoutError);
    server.faults = { down: true };
    await expect(m.fetch('kbs/support/top')).rejects.toBeInstanceOf(NetworkError);
  });

  it('aborts its requests in flight on destroy, with DestroyedError', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await m.ready();
    server.faults = { delayMs: 300 };
    const pending = m.fetch('kbs/support/top');
    await tick(30);
    m.destroy();
    await expect(pending).rejects.toBeInstanceOf(DestroyedError);
    await expect(m.fetch('kbs/support/top')).rejects.toBeInstanceOf(DestroyedError);
  });

  it('sends foreign requests through the fetch option too', async () => {
    const { baseUrl } = await startStandIn();
    const seen: string[] = [];
    const m = manager({
      baseUrl,
      fetch: (input, init) => {
        seen.push(String(input instanceof Request ? input.url : input));
        return globalThis.fetch(input, init);
      },
    });
    await m.fetch('https://example.invalid/x').catch(() => {});
    expect(seen).toEqual(['https://example.invalid/x']);
  });
});

describe('decorateRequest', () => {
  const session = { sessionId: 's 1/2', customerId: 'c-1' };

  it('adds the session and identity to a URL under baseUrl, for any HTTP client', () => {
    const { url, headers } = decorateRequest(
      { baseUrl: 'https://kc.test/gks-server/v1/', tenantId: 't' },
      session,
      'kbs/_dflt/search?lang=en',
      { 'content-type': 'application/json' },
    );
    expect(url).toBe('https://kc.test/gks-server/v1/kbs/_dflt/search?lang=en&sessionId=s+1%2F2&tenantId=t');
    expect(Object.fromEntries(headers)).toEqual({
      'content-type': 'application/json',
      gkc_customerid: 'c-1',
    });
  });

  it.each([
    'https://kc.test/gks-server/v10/kbs',
    'https://kc.test/other',
    'https://elsewhere.test/gks-server/v1/kbs',
    'http://kc.test/gks-server/v1/kbs',
  ])('leaves %s untouched', (target) => {
    const { url, headers } = decorateRequest({ baseUrl: 'https://kc.test/gks-server/v1' }, session, target);
    expect(url).toBe(target);
    expect([...headers]).toEqual([]);
  });
});
