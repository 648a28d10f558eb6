// @vitest-environment node
// gkc-session-doctor's checks against the stand-in over real HTTP, in every setting the stand-in can take and
// with each deployment mistake it can play.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../tools/doctor';
import { type CheckId, checkIds, type DoctorReport } from '../tools/doctorReport';
import type { Envelope, ServerVersion } from '../tools/knowledgeServer';
import { startStandIn } from './helpers/standIn';

const page = 'https://shop.example';

const check = (report: DoctorReport, id: CheckId) => {
  const found = report.checks.find((item) => item.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};
const statuses = (report: DoctorReport) =>
  Object.fromEntries(report.checks.map(({ id, status }) => [id, status]));

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A server of the test's own making, on 127.0.0.1, for answers the stand-in never gives. */
async function startServer(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/gks-server/v1`;
}

const versions: [ServerVersion, string][] = [
  ['9', 'new-session'],
  ['8.5.0', 'new-session'],
  ['8.5.1', 'not-found'],
];
const envelopes: Envelope[] = ['response', 'data', 'bare'];
const settings = versions.flatMap(([version, unknown]) =>
  envelopes.flatMap((envelope) =>
    [false, true].map((requireTenant) => ({ version, unknown, envelope, requireTenant })),
  ),
);

describe('gkc-session-doctor against the stand-in', () => {
  it.each(settings)(
    'passes every check: version $version, $envelope envelope, tenant required $requireTenant',
    async ({ version, unknown, envelope, requireTenant }) => {
      const { server, baseUrl } = await startStandIn({ version, envelope, requireTenant });
      const report = await runDoctor({
        baseUrl,
        origin: page,
        ...(requireTenant && { tenantId: 'acme' }),
      });
      expect(report.checks.map((item) => item.id)).toEqual(checkIds);
      expect(report.checks.filter((item) => item.status !== 'pass')).toEqual([]);
      expect(check(report, 'envelope').detail).toMatch(new RegExp(`^${envelope}:`));
      expect(check(report, 'unknown-session').detail).toMatch(new RegExp(`^${unknown}:`));
      expect(check(report, 'tenant').detail).toMatch(requireTenant ? /refused/ : /accepted/);
      // The help promises at most four sessions.
      expect(server.sessions.size).toBeLessThanOrEqual(4);
      // It spoke as the library does: the tenant on every call, the customer in the gkc_customerId header.
      const apiCalls = server.calls().filter((call) => call.tenantId !== null);
      expect(apiCalls.length).toBe(requireTenant ? server.calls().length - 1 : 0);
      expect(server.calls('create').some((call) => call.customerId?.startsWith('gkc-session-doctor-'))).toBe(
        true,
      );
    },
  );

  it('fails the tenant and the Create when the server wants a tenant and none is given', async () => {
    const { baseUrl } = await startStandIn({ requireTenant: true });
    const report = await runDoctor({ baseUrl, origin: page });
    expect(check(report, 'tenant')).toMatchObject({ status: 'fail', detail: expect.stringContaining('400') });
    expect(check(report, 'tenant').fix).toContain('--tenant');
    expect(check(report, 'create')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('--tenant'),
    });
    expect(statuses(report)).toMatchObject({
      envelope: 'skip',
      'unknown-session': 'skip',
      'identity-headers': 'skip',
      knowledge: 'skip',
    });
  });

  it('blames no tenant when something in front asks for credentials', async () => {
    const baseUrl = await startServer((req, res) => {
      req.resume();
      res.statusCode = 401;
      res.setHeader('www-authenticate', 'Basic realm="intranet"');
      res.end();
    });
    const report = await runDoctor({ baseUrl });
    expect(statuses(report)).toMatchObject({ reachable: 'pass', create: 'fail', tenant: 'skip' });
    expect(check(report, 'create').fix).toContain('asks for credentials');
  });

  it('fails the Create when the server does not know the tenant', async () => {
    const { baseUrl } = await startStandIn({ tenantId: 'acme' });
    const report = await runDoctor({ baseUrl, tenantId: 'other' });
    expect(check(report, 'create')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('404 TENANT_NOT_FOUND'),
      fix: expect.stringContaining('check the tenant id'),
    });
  });

  it('fails cors-preflight when the page origin is not allowed', async () => {
    const { baseUrl } = await startStandIn({ allowedOrigins: ['https://elsewhere.example'] });
    const report = await runDoctor({ baseUrl, origin: page });
    const cors = check(report, 'cors-preflight');
    expect(cors.status).toBe('fail');
    expect(cors.detail).toContain('PUT preflight: no Access-Control-Allow-Origin');
    expect(cors.detail).toContain('the answer to PUT /sessions/new carries no Access-Control-Allow-Origin');
    expect(cors.fix).toContain(`allow the origin ${page}`);
    // Node enforces no CORS, so the rest still runs and passes: the doctor names the one thing wrong.
    expect(report.checks.filter((item) => item.status === 'fail').map((item) => item.id)).toEqual([
      'cors-preflight',
    ]);
  });

  it('fails cors-preflight when the identity headers are not allowed', async () => {
    const { baseUrl } = await startStandIn({ allowIdentityHeaders: false });
    const cors = check(await runDoctor({ baseUrl, origin: page }), 'cors-preflight');
    expect(cors.status).toBe('fail');
    expect(cors.detail).toMatch(
      /PUT preflight: Access-Control-Allow-Headers \(content-type, accept\) lacks gkc_agentid, gkc_customerid/,
    );
    expect(cors.detail).toMatch(/POST preflight: .* lacks gkc_agentid, gkc_customerid/);
  });

  it('warns when Retry-After is not exposed, and fails nothing', async () => {
    const { baseUrl } = await startStandIn({ exposeRetryAfter: false });
    const report = await runDoctor({ baseUrl, origin: page });
    expect(check(report, 'cors-expose')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('Retry-After is not exposed'),
      fix: expect.stringContaining('Access-Control-Expose-Headers'),
    });
    expect(report.checks.some((item) => item.status === 'fail')).toBe(false);
  });

  it('fails identity-headers with the nginx fix when underscore headers are dropped', async () => {
    const { server, baseUrl } = await startStandIn({ dropUnderscoreHeaders: true });
    const report = await runDoctor({ baseUrl, origin: page });
    const identity = check(report, 'identity-headers');
    expect(identity.status).toBe('fail');
    expect(identity.detail).toContain('the header was dropped');
    expect(identity.fix).toContain('underscores_in_headers on;');
    expect(server.calls().every((call) => call.customerId === null)).toBe(true);
  });

  it('fails identity-headers when the server answers another customer', async () => {
    const baseUrl = await startServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      req.resume();
      res.end(JSON.stringify({ sessionId: 's-1', customerId: 'someone-else' }));
    });
    const identity = check(await runDoctor({ baseUrl, kbId: null }), 'identity-headers');
    expect(identity).toMatchObject({ status: 'fail', detail: expect.stringContaining('someone-else') });
  });

  it('warns on identity-headers when the server never shows what a session holds', async () => {
    const baseUrl = await startServer((req, res) => {
      const id = req.url?.match(/sessions\/([^/?]+)/)?.[1];
      res.setHeader('content-type', 'application/json');
      req.resume();
      res.end(JSON.stringify({ sessionId: id && id !== 'new' ? id : 's-1' }));
    });
    const report = await runDoctor({ baseUrl, kbId: null });
    expect(check(report, 'identity-headers')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('cannot be verified'),
    });
    expect(check(report, 'unknown-session').status).toBe('warn');
  });

  it('skips the CORS checks without an origin, and the search with --kb none', async () => {
    const { server, baseUrl } = await startStandIn();
    const report = await runDoctor({ baseUrl, kbId: null });
    expect(statuses(report)).toMatchObject({
      'cors-preflight': 'skip',
      'cors-expose': 'skip',
      knowledge: 'skip',
    });
    expect(server.calls('search')).toHaveLength(0);
  });

  it('fails knowledge for a knowledge base the server lacks', async () => {
    const { baseUrl } = await startStandIn();
    const knowledge = check(await runDoctor({ baseUrl, kbId: 'nope' }), 'knowledge');
    expect(knowledge).toMatchObject({ status: 'fail', detail: expect.stringContaining('404 KB_NOT_FOUND') });
    expect(knowledge.fix).toContain('--kb');
  });

  it('fails reachable, and skips the rest, when nothing listens', async () => {
    const baseUrl = await startServer(() => {});
    await Promise.all(closers.splice(0).map((close) => close()));
    const report = await runDoctor({ baseUrl, origin: page });
    expect(check(report, 'reachable')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('ECONNREFUSED'),
    });
    expect(report.checks.slice(1).every((item) => item.status === 'skip')).toBe(true);
  });

  it('fails reachable when the URL answers a web page, not a Knowledge Center', async () => {
    const baseUrl = await startServer((req, res) => {
      req.resume();
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Welcome</title>');
    });
    const reachable = check(await runDoctor({ baseUrl }), 'reachable');
    expect(reachable).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('not a Knowledge Center answer'),
    });
  });

  it('refuses bad options with a TypeError naming the option', async () => {
    await expect(runDoctor({ baseUrl: 'kc.example.com' })).rejects.toThrow(/baseUrl/);
    await expect(
      runDoctor({ baseUrl: 'https://kc.example/v1', origin: 'https://shop.example/page' }),
    ).rejects.toThrow(/origin must be a page origin/);
    await expect(runDoctor({ baseUrl: 'https://kc.example/v1', kbId: '' })).rejects.toThrow(TypeError);
  });
});

describe('gkc-session-doctor at a URL that is not the REST root', () => {
  /** It says only that: every other check is skipped, and none advises a tenant or the server's log. */
  const expectOnlyWrongRoot = (report: DoctorReport) => {
    expect(check(report, 'reachable')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('is not the Knowledge Center REST root'),
    });
    expect(report.checks.slice(1).every((item) => item.status === 'skip')).toBe(true);
    expect(report.checks.filter((item) => item.fix !== null).map((item) => item.id)).toEqual(['reachable']);
    for (const { detail, fix } of report.checks)
      expect(`${detail} ${fix}`).not.toMatch(/tenant|server's log/i);
  };

  const wrongRoots: [string, (root: string) => string][] = [
    ['another version', (root) => root.replace(/\/v1$/, '/v2')],
    ['the host root', (root) => new URL(root).origin],
    ['a path below the root', (root) => `${root}/sessions`],
  ];
  it.each(wrongRoots)(
    'says so at %s of the stand-in, which answers 404 in JSON, and names the root that answers',
    async (_, wrong) => {
      const { server, baseUrl } = await startStandIn();
      const report = await runDoctor({ baseUrl: wrong(baseUrl), origin: page });
      expectOnlyWrongRoot(report);
      expect(check(report, 'reachable').detail).toContain('404');
      expect(check(report, 'reachable').fix).toContain(`${baseUrl} answers the Create with a session`);
      // The one session is the root's, made to be sure of it before naming it.
      expect(server.sessions.size).toBe(1);
    },
  );

  it('names the root that answers with the tenant the doctor was given', async () => {
    const { server, baseUrl } = await startStandIn({ tenantId: 'acme' });
    const report = await runDoctor({ baseUrl: baseUrl.replace(/\/v1$/, '/v2'), tenantId: 'acme' });
    expect(check(report, 'reachable').detail).toContain('is not the Knowledge Center REST root');
    expect(check(report, 'reachable').fix).toContain(`${baseUrl} answers the Create with a session`);
    expect(server.calls('create').map((call) => call.tenantId)).toEqual(['acme']);
  });

  it('names the root when it answers as a Knowledge Center that wants a tenant', async () => {
    const { baseUrl } = await startStandIn({ requireTenant: true });
    const report = await runDoctor({ baseUrl: new URL(baseUrl).origin });
    expect(check(report, 'reachable').detail).toContain('is not the Knowledge Center REST root');
    expect(check(report, 'reachable').fix).toMatch(
      new RegExp(
        `${baseUrl.replace(/[.]/g, '\\.')} answers the Create as a Knowledge Center does \\(400 TENANT_REQUIRED`,
      ),
    );
  });

  const notFoundBodies: [string, string | null, string][] = [
    ['JSON', 'application/json', '{"timestamp":1,"status":404,"error":"Not Found","path":"/x/sessions/new"}'],
    ['HTML', 'text/html', '<!doctype html><title>404 Not Found</title><h1>Not Found</h1>'],
    ['text', 'text/plain', 'Not Found'],
    ['empty', null, ''],
  ];
  it.each(notFoundBodies)(
    'says so when every path answers 404 with a %s body, and says where the root usually is',
    async (_, type, body) => {
      const baseUrl = await startServer((req, res) => {
        req.resume();
        res.statusCode = 404;
        if (type) res.setHeader('content-type', type);
        res.end(body);
      });
      const report = await runDoctor({ baseUrl, origin: page });
      expectOnlyWrongRoot(report);
      expect(check(report, 'reachable').detail).toContain('answered 404');
      expect(check(report, 'reachable').fix).toContain('/gks-server/v1 on a default install');
    },
  );

  it('names no root that does not answer the Create either', async () => {
    const baseUrl = await startServer((req, res) => {
      req.resume();
      res.statusCode = 404;
      res.end();
    });
    const reachable = check(await runDoctor({ baseUrl: baseUrl.replace(/\/v1$/, '/v2') }), 'reachable');
    expect(reachable.detail).toContain('is not the Knowledge Center REST root');
    expect(reachable.fix).toContain(`${baseUrl} was tried too: it answered 404`);
    expect(reachable.fix).not.toContain('answers the Create');
  });
});
