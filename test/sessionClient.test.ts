import { describe, expect, it, vi } from 'vitest';
import {
  createSessionClient,
  HttpError,
  InvalidResponseError,
  isSessionError,
  isSessionErrorWithCode,
  NetworkError,
  SessionNotFoundError,
  TimeoutError,
} from '../src/index';
import { patience, startStandIn } from './helpers/standIn';

const fast = { attempts: 3, minDelayMs: 5, maxDelayMs: 20 };

describe('Create', () => {
  it('creates an anonymous session', async () => {
    const { server, baseUrl } = await startStandIn();
    const client = createSessionClient({ baseUrl });
    const info = await client.create();
    expect(info.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.sessions.has(info.sessionId)).toBe(true);
    const [call] = server.calls('create');
    expect(call).toMatchObject({ method: 'PUT', path: '/sessions/new', customerId: null, agentId: null });
  });

  it('sends the identity as gkc_* headers and the visit ids in the JSON body', async () => {
    const { server, baseUrl } = await startStandIn();
    const client = createSessionClient({ baseUrl });
    const info = await client.create({
      customerId: 'c-1',
      agentId: 'a-1',
      visitId: 'v-1',
      globalVisitId: 'g-1',
    });
    expect(info).toMatchObject({ customerId: 'c-1', agentId: 'a-1', visitId: 'v-1', globalVisitId: 'g-1' });
    const [call] = server.calls('create');
    expect(call).toMatchObject({
      customerId: 'c-1',
      agentId: 'a-1',
      body: { visitId: 'v-1', globalVisitId: 'g-1' },
    });
  });

  it('sends tenantId on every call when one is configured, and none otherwise', async () => {
    const { server, baseUrl } = await startStandIn({ tenantId: 't-9' });
    const client = createSessionClient({ baseUrl, tenantId: 't-9' });
    const { sessionId } = await client.create();
    await client.retrieve(sessionId);
    await client.update(sessionId, { visitId: 'v' });
    expect(server.log.map((entry) => entry.tenantId)).toEqual(['t-9', 't-9', 't-9']);

    const plain = await startStandIn();
    await createSessionClient({ baseUrl: plain.baseUrl }).create();
    expect(plain.server.log[0]?.tenantId).toBeNull();
  });

  it('reports a 9.x server that requires a tenant as an HTTP error with its code and description', async () => {
    const { baseUrl } = await startStandIn({ tenantId: 't-9' });
    const error = await createSessionClient({ baseUrl })
      .create()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 400,
      serverCode: 'TENANT_REQUIRED',
      description: 'tenantId is required',
      retryable: false,
    });
  });
});

describe('Retrieve', () => {
  it('answers with the session it was asked for', async () => {
    const { baseUrl } = await startStandIn();
    const client = createSessionClient({ baseUrl });
    const created = await client.create({ visitId: 'v-1' });
    expect(await client.retrieve(created.sessionId)).toMatchObject({
      sessionId: created.sessionId,
      visitId: 'v-1',
    });
  });

  it.each(['9', '8.5.0'] as const)(
    'passes on the NEW session a %s server creates for an unknown id',
    async (version) => {
      const { baseUrl } = await startStandIn({ version });
      const info = await createSessionClient({ baseUrl }).retrieve('gone');
      expect(info.sessionId).not.toBe('gone');
    },
  );

  it.each([404, 400] as const)(
    'rejects with SessionNotFoundError when 8.5.1 answers %i',
    async (notFoundStatus) => {
      const { server, baseUrl } = await startStandIn({ version: '8.5.1', notFoundStatus });
      const error = await createSessionClient({ baseUrl, retry: fast })
        .retrieve('gone')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionNotFoundError);
      expect(error).toMatchObject({
        code: 'session-not-found',
        sessionId: 'gone',
        status: notFoundStatus,
        retryable: false,
      });
      expect(server.calls('retrieve')).toHaveLength(1);
    },
  );

  it('does not take a 400 that says something else for "session not found"', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 1, status: 400 } };
    const error = await createSessionClient({ baseUrl })
      .retrieve('x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 400, description: 'Injected 400' });
  });

  it('encodes an id holding / ? # % and spaces as one path segment', async () => {
    const { server, baseUrl } = await startStandIn();
    const odd = 'a/b?c#d%e f';
    server.sessions.set(odd, { sessionId: odd, createdAt: '' });
    const info = await createSessionClient({ baseUrl }).retrieve(odd);
    expect(info.sessionId).toBe(odd);
    expect(server.log[0]?.path).toBe('/sessions/a%2Fb%3Fc%23d%25e%20f');
  });
});

describe('Update', () => {
  it('associates a customer (header) and visit data (body) with the session', async () => {
    const { server, baseUrl } = await startStandIn();
    const client = createSessionClient({ baseUrl });
    const { sessionId } = await client.create();
    const info = await client.update(sessionId, { customerId: 'c-7', visitId: 'v-2', globalVisitId: 'g-2' });
    expect(info).toMatchObject({ sessionId, customerId: 'c-7', visitId: 'v-2', globalVisitId: 'g-2' });
    expect(server.sessions.get(sessionId)).toMatchObject({ customerId: 'c-7', visitId: 'v-2' });
    expect(server.calls('update')[0]).toMatchObject({
      method: 'POST',
      customerId: 'c-7',
      body: { visitId: 'v-2' },
    });
  });

  it('passes on the session 8.5.1 creates when an unknown id is updated', async () => {
    const { baseUrl } = await startStandIn({ version: '8.5.1' });
    const info = await createSessionClient({ baseUrl }).update('gone', { visitId: 'v' });
    expect(info.sessionId).not.toBe('gone');
    expect(info.visitId).toBe('v');
  });

  it('rejects with SessionNotFoundError when a 9.x server does not know the id', async () => {
    const { baseUrl } = await startStandIn();
    await expect(createSessionClient({ baseUrl }).update('gone', {})).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
  });
});

describe('answers', () => {
  it.each(['response', 'data', 'bare'] as const)('reads the %s envelope', async (envelope) => {
    const { baseUrl } = await startStandIn({ envelope });
    const info = await createSessionClient({ baseUrl }).create({ visitId: 'v-e' });
    expect(info).toMatchObject({ visitId: 'v-e' });
    expect(info.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps fields it does not know, and takes null for absent', async () => {
    const body = { response: { sessionId: 's-1', customerId: null, tier: 'gold', nested: { a: 1 } } };
    const client = createSessionClient({
      baseUrl: 'http://kc.test/v1',
      fetch: async () => Response.json(body),
    });
    const info = await client.create();
    expect(info).toEqual({ sessionId: 's-1', tier: 'gold', nested: { a: 1 } });
    expect('customerId' in info).toBe(false);
  });

  it.each([
    ['no-session-id', /sessionId/],
    ['text-plain', /not JSON.*text\/plain/],
    ['truncated', /not JSON/],
    ['huge', /larger than 1048576 bytes/],
  ] as const)('rejects a %s answer with InvalidResponseError, without retrying', async (kind, message) => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { malformNext: { count: 1, kind } };
    const error = await createSessionClient({ baseUrl, retry: fast })
      .create()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(message);
    expect(server.calls('create')).toHaveLength(1);
  });

  it('rejects an id that would not stay one path segment', async () => {
    const client = createSessionClient({
      baseUrl: 'http://kc.test/v1',
      fetch: async () => Response.json({ sessionId: '..' }),
    });
    await expect(client.create()).rejects.toThrow(/sessionId: must not be "\." or "\.\."/);
  });

  it('reads an HTML error page as an HTTP error and retries it (502)', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { malformNext: { count: 1, kind: 'html' } };
    const info = await createSessionClient({ baseUrl, retry: fast }).create();
    expect(info.sessionId).toBeTruthy();
    expect(server.log.map((entry) => entry.status)).toEqual([502, 200]);
  });

  it('finds the code and description whatever keys the error body uses', async () => {
    const bodies = [
      [{ code: 'E1', description: 'first' }, 'E1', 'first'],
      [{ status: 'E2', message: 'second' }, 'E2', 'second'],
      [{ response: { errorCode: 42, errorMessage: 'third' } }, '42', 'third'],
      [{ error: { code: 'E4', message: 'fourth' } }, 'E4', 'fourth'],
    ] as const;
    for (const [body, serverCode, description] of bodies) {
      const client = createSessionClient({
        baseUrl: 'http://kc.test/v1',
        fetch: async () => Response.json(body, { status: 409 }),
      });
      await expect(client.create()).rejects.toMatchObject({ status: 409, serverCode, description });
    }
  });
});

describe('retries', () => {
  it('repeats a 503 and succeeds when the server recovers', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 2, status: 503 } };
    const info = await createSessionClient({ baseUrl, retry: fast }).create();
    expect(server.sessions.has(info.sessionId)).toBe(true);
    expect(server.log.map((entry) => entry.status)).toEqual([503, 503, 200]);
  });

  it('gives up after `attempts` tries with the last error', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 10, status: 500 } };
    const error = await createSessionClient({ baseUrl, retry: fast })
      .create()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'http', status: 500, retryable: true });
    expect(server.calls('create')).toHaveLength(3);
  });

  it('never repeats a 4xx that will fail again', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 10, status: 403 } };
    await expect(createSessionClient({ baseUrl, retry: fast }).create()).rejects.toMatchObject({
      status: 403,
    });
    expect(server.calls('create')).toHaveLength(1);
  });

  it('tries once with retry: false', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 10, status: 503 } };
    await expect(createSessionClient({ baseUrl, retry: false }).create()).rejects.toBeInstanceOf(HttpError);
    expect(server.calls('create')).toHaveLength(1);
  });

  it('waits as long as Retry-After asks on a 429', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 1, status: 429, retryAfter: 1 } };
    await createSessionClient({ baseUrl, retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 5000 } }).create();
    const [first, second] = server.log;
    expect(first?.status).toBe(429);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('caps Retry-After at maxDelayMs', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 1, status: 429, retryAfter: 60 } };
    await createSessionClient({ baseUrl, retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 30 } }).create();
    const [first, second] = server.log;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeLessThan(1000);
  });
});

describe('transport failures', () => {
  it('reports a reset connection as a retryable NetworkError, after every attempt', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { down: true };
    const error = await createSessionClient({ baseUrl, retry: fast })
      .create()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect((error as Error).cause).toBeDefined();
    expect(server.calls('create')).toHaveLength(3);
  });

  it('reports a closed port as a NetworkError', async () => {
    const { server, baseUrl } = await startStandIn();
    await server.close();
    await expect(createSessionClient({ baseUrl, retry: false }).create()).rejects.toBeInstanceOf(
      NetworkError,
    );
  });

  it('times out each attempt after timeoutMs', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { delayMs: 400 };
    const started = Date.now();
    const error = await createSessionClient({ baseUrl, timeoutMs: 50, retry: { ...fast, attempts: 2 } })
      .create()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'timeout', retryable: true, timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(400);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.calls('create')).toHaveLength(2);
  });

  it('rejects as fetch does when the caller aborts, and does not retry', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { delayMs: 300 };
    const controller = new AbortController();
    const pending = createSessionClient({ baseUrl, retry: fast }).create({}, { signal: controller.signal });
    // Aborted while the server holds the answer: on a loaded machine a fixed delay could abort before sending.
    await vi.waitFor(() => expect(server.calls('create')).toHaveLength(1), patience);
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(isSessionError(error)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.calls('create')).toHaveLength(1);
  });

  it('stops waiting between retries when aborted', async () => {
    const { server, baseUrl } = await startStandIn();
    server.faults = { failNext: { count: 5, status: 503 } };
    const controller = new AbortController();
    const pending = createSessionClient({
      baseUrl,
      retry: { attempts: 5, minDelayMs: 10_000, maxDelayMs: 10_000 },
    }).create({}, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error('left the page'));
    await expect(pending).rejects.toThrow('left the page');
    expect(server.calls('create')).toHaveLength(1);
  });
});

describe('bad input', () => {
  it.each([
    ['customerId', { customerId: 'a\r\nx-evil: 1' }],
    ['agentId', { agentId: 'a\nb' }],
    ['visitId', { visitId: 'v\u0000' }],
    ['globalVisitId', { globalVisitId: 'g\r' }],
    ['customerId', { customerId: '客户' }],
    ['visitId', { visitId: 42 }],
  ])('refuses a bad %s with a TypeError naming it, before sending', async (field, input) => {
    const { server, baseUrl } = await startStandIn();
    const client = createSessionClient({ baseUrl });
    const error = await client.create(input as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain(field);
    expect(server.log).toHaveLength(0);
  });

  it.each(['', 'a\nb', '..'])('refuses the session id %j before sending', async (sessionId) => {
    const { server, baseUrl } = await startStandIn();
    await expect(createSessionClient({ baseUrl }).retrieve(sessionId)).rejects.toThrow(/sessionId/);
    expect(server.log).toHaveLength(0);
  });

  it.each([
    [{}, /baseUrl is required/],
    [{ baseUrl: 'ftp://kc.test' }, /baseUrl must be an http\(s\) URL/],
    [{ baseUrl: 'http://kc.test/v1?x=1' }, /baseUrl must be an http\(s\) URL without query/],
    [{ baseUrl: 'http://kc.test', tenantId: 't\n' }, /tenantId must not contain control characters/],
    [{ baseUrl: 'http://kc.test', timeoutMs: 0 }, /timeoutMs/],
    [{ baseUrl: 'http://kc.test', retry: { attempts: 0 } }, /retry.attempts/],
    [{ baseUrl: 'http://kc.test', retry: { minDelayMs: 10, maxDelayMs: 5 } }, /retry.maxDelayMs/],
  ])('throws a TypeError naming the bad option (%j)', (options, message) => {
    expect(() => createSessionClient(options as never)).toThrow(TypeError);
    expect(() => createSessionClient(options as never)).toThrow(message);
  });

  it('resolves a path baseUrl against the page origin', () => {
    const client = createSessionClient({ baseUrl: '/knowmgt/gks-server/v1/' });
    expect(client.server.baseUrl).toBe(`${location.origin}/knowmgt/gks-server/v1`);
  });
});

describe('error guards', () => {
  it('recognise an error from another realm by name and code', () => {
    const foreign = { name: 'NetworkError', code: 'network', retryable: true, message: 'x' };
    expect(isSessionError(foreign)).toBe(true);
    expect(isSessionErrorWithCode(foreign, 'network')).toBe(true);
    expect(isSessionErrorWithCode(foreign, 'timeout')).toBe(false);
    expect(isSessionError(new Error('x'))).toBe(false);
    expect(isSessionError({ code: 'nope', retryable: true, name: 'X' })).toBe(false);
  });
});
