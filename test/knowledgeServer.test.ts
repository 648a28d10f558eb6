// @vitest-environment node
// The stand-in server's own behaviour, through Node's fetch (no browser CORS in the way, so the headers
// the server sends can be read as they are).
import { describe, expect, it } from 'vitest';
import { startStandIn } from './helpers/standIn';

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

const put = (url: string, headers: Record<string, string> = {}, body: unknown = {}) =>
  call(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const post = (url: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('the stand-in Knowledge Center', () => {
  it('creates, retrieves and updates sessions in the response envelope', async () => {
    const { baseUrl } = await startStandIn();
    const created = await put(`${baseUrl}/sessions/new`, { gkc_customerId: 'c1' }, { visitId: 'v1' });
    expect(created.status).toBe(200);
    const id = created.body.response.sessionId;
    expect(created.body.response).toMatchObject({ customerId: 'c1', visitId: 'v1' });
    const updated = await post(`${baseUrl}/sessions/${id}`, { globalVisitId: 'g1' }, { gkc_agentId: 'a1' });
    expect(updated.body.response).toMatchObject({
      sessionId: id,
      customerId: 'c1',
      agentId: 'a1',
      globalVisitId: 'g1',
    });
    expect((await call(`${baseUrl}/sessions/${id}`)).body.response).toEqual(updated.body.response);
  });

  it('answers an unknown Retrieve per version', async () => {
    const nine = await startStandIn({ version: '9' });
    expect((await call(`${nine.baseUrl}/sessions/gone`)).body.response.sessionId).not.toBe('gone');
    const old = await startStandIn({ version: '8.5.1', notFoundStatus: 400 });
    expect(await call(`${old.baseUrl}/sessions/gone`)).toMatchObject({
      status: 400,
      body: { code: 'NOT_FOUND', description: 'Session not found' },
    });
  });

  it('answers in the data envelope with {status, message} errors', async () => {
    const { baseUrl } = await startStandIn({ envelope: 'data', version: '8.5.1' });
    expect((await put(`${baseUrl}/sessions/new`)).body).toMatchObject({
      status: 'OK',
      data: { sessionId: expect.any(String) },
    });
    expect((await call(`${baseUrl}/sessions/x`)).body).toEqual({
      status: 'NOT_FOUND',
      message: 'Session not found',
    });
  });

  it('enforces the tenant when started with one', async () => {
    const { baseUrl } = await startStandIn({ tenantId: 't1' });
    expect((await put(`${baseUrl}/sessions/new`)).status).toBe(400);
    expect((await put(`${baseUrl}/sessions/new?tenantId=t2`)).status).toBe(404);
    expect((await put(`${baseUrl}/sessions/new?tenantId=t1`)).status).toBe(200);
  });

  it('requires some tenant, any tenant, with requireTenant', async () => {
    const { baseUrl } = await startStandIn({ requireTenant: true });
    expect((await put(`${baseUrl}/sessions/new`)).body).toEqual({
      code: 'TENANT_REQUIRED',
      description: 'tenantId is required',
    });
    expect((await put(`${baseUrl}/sessions/new?tenantId=anyone`)).status).toBe(200);
  });

  it('never sees the underscore identity headers behind a proxy that drops them', async () => {
    const { server, baseUrl } = await startStandIn({ dropUnderscoreHeaders: true });
    const created = await put(
      `${baseUrl}/sessions/new`,
      { gkc_customerId: 'c1', gkc_agentId: 'a1' },
      { visitId: 'v1' },
    );
    expect(created.body.response).toEqual({
      sessionId: expect.any(String),
      visitId: 'v1',
      createdAt: expect.any(String),
    });
    expect(server.calls('create')[0]).toMatchObject({ customerId: null, agentId: null });
  });

  it('searches the sample knowledge base under a session and records the session', async () => {
    const { server, baseUrl } = await startStandIn();
    const id = (await put(`${baseUrl}/sessions/new`)).body.response.sessionId;
    const found = await post(`${baseUrl}/kbs/support/search?sessionId=${id}&lang=en`, {
      query: 'reset password',
    });
    expect(found.body.response.documents[0]).toMatchObject({ id: 'reset-password', kbId: 'support' });
    const suggested = await post(`${baseUrl}/kbs/_dflt/suggestions?sessionId=${id}`, { query: 'cancel su' });
    expect(suggested.body.response.suggestions).toEqual(['Cancelling your subscription']);
    const top = await call(`${baseUrl}/kbs/support/top?size=3&sessionId=${id}`);
    expect(top.body.response.documents.map((d: { id: string }) => d.id)).toEqual([
      'track-order',
      'reset-password',
      'return-item',
    ]);
    expect(server.calls('search')[0]?.sessionId).toBe(id);
    expect(server.calls('top')[0]?.sessionId).toBe(id);
  });

  it('records votes and "no answer" feedback, and refuses them without required parameters', async () => {
    const { server, baseUrl } = await startStandIn();
    const id = (await put(`${baseUrl}/sessions/new`)).body.response.sessionId;
    expect(
      (await post(`${baseUrl}/feedback/support/noAnswer?sessionId=${id}&lang=en`, { query: 'refund' }))
        .status,
    ).toBe(200);
    expect((await post(`${baseUrl}/feedback/support/noAnswer?sessionId=${id}`)).status).toBe(400);
    expect(
      (
        await post(
          `${baseUrl}/feedback/support/documents/two-factor/vote?sessionId=${id}&relevant=true&lang=en`,
        )
      ).status,
    ).toBe(200);
    expect(server.feedback).toEqual([
      { kind: 'no-answer', sessionId: id, kbId: 'support', query: 'refund' },
      { kind: 'vote', sessionId: id, kbId: 'support', docId: 'two-factor', relevant: true },
    ]);
  });

  it('answers "Session not found" for a Knowledge API call under an unknown session', async () => {
    const { baseUrl } = await startStandIn();
    const answer = await post(`${baseUrl}/kbs/support/search?sessionId=nope`, { query: 'order' });
    expect(answer).toMatchObject({ status: 404, body: { description: 'Session not found' } });
  });

  it('answers preflight for allowed origins with the gkc_* headers, and not for others', async () => {
    const { baseUrl } = await startStandIn({ allowedOrigins: ['https://shop.test'] });
    const preflight = (origin: string) =>
      fetch(`${baseUrl}/sessions/new`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'gkc_customerid',
        },
      });
    const allowed = await preflight('https://shop.test');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.test');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('gkc_customerId');
    expect((await preflight('https://evil.test')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('injects faults: failures with Retry-After, malformed bodies, a dead server', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 1, status: 429, retryAfter: 2 } };
    const limited = await put(`${baseUrl}/sessions/new`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await put(`${baseUrl}/sessions/new`)).status).toBe(200);

    server.faults = { malformNext: { count: 1, kind: 'no-session-id' } };
    expect((await put(`${baseUrl}/sessions/new`)).body).toEqual({ response: { customerId: 'nobody' } });

    server.faults = { down: true };
    await expect(fetch(`${baseUrl}/sessions/new`, { method: 'PUT' })).rejects.toThrow();
    expect(server.log.at(-1)?.status).toBe(0);
  });

  it('is controlled over HTTP for browser tests and the demo', async () => {
    const { server, baseUrl } = await startStandIn();
    const control = baseUrl.replace('/gks-server/v1', '/__gkc');
    await put(`${baseUrl}/sessions/new`);
    await post(`${control}/configure`, { version: '8.5.1' });
    await post(`${control}/faults`, { delayMs: 1 });
    expect(server.config.version).toBe('8.5.1');
    expect(server.faults).toEqual({ delayMs: 1 });
    const state = (await call(`${control}/state`)).body;
    expect(state.sessions).toHaveLength(1);
    expect(state.log[0]).toMatchObject({ call: 'create', method: 'PUT' });
    await post(`${control}/forget-sessions`);
    expect(server.sessions.size).toBe(0);
    await post(`${control}/reset`);
    expect(server.log).toHaveLength(0);
  });

  it('refuses a body that is not a JSON object', async () => {
    const { baseUrl } = await startStandIn();
    const answer = await call(`${baseUrl}/sessions/new`, { method: 'PUT', body: '[1,2' });
    expect(answer).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
  });
});
