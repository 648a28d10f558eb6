import { randomUUID } from 'node:crypto';
import { describeIssues, sessionInfoSchema } from '../src/schemas.js';
import { readErrorBody, saysSessionNotFound, unwrapEnvelope } from '../src/sendRequest.js';
import { apiUrl, checkId, resolveServer, type ServerLocation } from '../src/serverUrl.js';
import { exposesRetryAfter, originProblem, preflightHeaders, preflightProblems } from './corsAnswer.js';

/**
 * The checks of `gkc-session-doctor`: it talks to a Knowledge Center as the library would (the same URLs,
 * tenant parameter, identity headers, envelope reading and answer validation) and reports, per check, what it
 * saw and how to fix what a page would trip over. It makes at most four sessions: the Create, a Create without
 * the tenant (only with `tenantId`), the server's answer to an unknown id (9.x and 8.5.0 make one), and the
 * Create that carries a customer.
 */

export const checkIds = [
  'reachable',
  'create',
  'envelope',
  'tenant',
  'unknown-session',
  'identity-headers',
  'cors-preflight',
  'cors-expose',
  'knowledge',
] as const;
export type CheckId = (typeof checkIds)[number];
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** What the doctor saw. */
  detail: string;
  /** For a warning or a failure: what to change. */
  fix: string | null;
}

export interface DoctorReport {
  baseUrl: string;
  origin: string | null;
  checks: CheckResult[];
}

export interface DoctorOptions {
  /** The Knowledge Center REST root, as the library's `baseUrl` (absolute here: there is no page). */
  baseUrl: string;
  /** The origin of the page that will call the server; the CORS checks run only with it. */
  origin?: string;
  /** Knowledge Center 9.x tenant, as the library's `tenantId`. */
  tenantId?: string;
  /** Knowledge base to search under the new session; `null` skips the check. @default '_dflt' */
  kbId?: string | null;
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** One HTTP exchange as the doctor keeps it: the parsed JSON body, or `undefined` when it is not JSON. */
interface Exchange {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** A value made for the check, recognisable in the server's logs. */
const madeValue = (what: string) => `gkc-session-doctor-${what}-${randomUUID().slice(0, 8)}`;

const underscoreFix =
  'Something between the page and the server drops request headers whose name holds an underscore. ' +
  'nginx does so by default: add `underscores_in_headers on;` to its http or server block ' +
  '(a CDN, load balancer or firewall in front may need gkc_customerId and gkc_agentId allowed by name).';

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const settings = resolveDoctorOptions(options);
  const { server, origin, kbId, timeoutMs } = settings;
  const transport = options.fetch ?? ((input: URL, init?: RequestInit) => globalThis.fetch(input, init));
  const results = new Map<CheckId, CheckResult>();
  const report = (id: CheckId, status: CheckStatus, detail: string, fix: string | null = null) =>
    results.set(id, { id, status, detail, fix });
  const finish = (): DoctorReport => ({
    baseUrl: server.baseUrl,
    origin,
    checks: checkIds.map(
      (id) =>
        results.get(id) ?? { id, status: 'skip', detail: 'not run: an earlier check failed', fix: null },
    ),
  });

  /** Sends one request the way the library does (JSON, identity headers, the page's Origin). */
  async function send(
    method: string,
    url: URL,
    init: { headers?: Record<string, string>; body?: unknown; withTenant?: boolean } = {},
  ): Promise<Exchange> {
    if (init.withTenant === false) url.searchParams.delete('tenantId');
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (origin !== null) headers.origin = origin;
    const request: RequestInit = { method, headers, signal: AbortSignal.timeout(timeoutMs) };
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      request.body = JSON.stringify(init.body);
    }
    const response = await transport(url, request);
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: parseJson(text) };
  }
  const path = (suffix: string) => apiUrl(server, suffix);

  // reachable, create, envelope: one Create, as a first visit makes.
  const createUrl = path('/sessions/new');
  let first: Exchange;
  try {
    first = await send('PUT', createUrl, { body: {} });
  } catch (error) {
    report(
      'reachable',
      'fail',
      `PUT ${createUrl.pathname} failed: ${reason(error)}`,
      'Check the URL (the REST root, `/gks-server/v1` on a default install), that the server is up, and that ' +
        'this machine reaches it (DNS, firewall, VPN, an HTTP proxy).',
    );
    return finish();
  }
  const notKnowledgeCenter =
    (first.json === undefined && first.text.trim() !== '') ||
    (first.json === undefined && [404, 405, 502, 503, 504].includes(first.status));
  if (notKnowledgeCenter) {
    report(
      'reachable',
      'fail',
      `PUT ${createUrl.pathname} answered ${first.status} ${describeBody(first)}: not a Knowledge Center answer`,
      'The URL reaches something else (a web server, a proxy error page, a login page): give the Knowledge ' +
        'Center REST root, such as https://kc.example.com/gks-server/v1, and check that the proxy routes it to ' +
        'the Knowledge Center Server.',
    );
    return finish();
  }
  report('reachable', 'pass', `PUT ${createUrl.pathname} answered ${first.status} ${describeBody(first)}`);

  const created = readSession(first);
  if (created.ok) {
    report('create', 'pass', `PUT /sessions/new gave session ${created.sessionId}`);
    report('envelope', 'pass', envelopeOf(first.json), null);
  } else {
    report('create', 'fail', `PUT /sessions/new ${created.problem}`, createFix(first, server.tenantId));
    report('envelope', 'skip', 'needs a session answer (create failed)');
  }

  // tenant: are calls without `tenantId` refused?
  if (server.tenantId === undefined) {
    if (first.status >= 400 && first.status < 500) {
      report(
        'tenant',
        'fail',
        `a Create without tenantId was refused (${describeError(first)})`,
        'Knowledge Center 9.x wants a tenant on every call: run the doctor with --tenant <id>, and give the ' +
          'library the same `tenantId` option.',
      );
    } else if (created.ok) {
      report(
        'tenant',
        'pass',
        'calls without tenantId are accepted (8.5.x, or a 9.x server that needs none)',
      );
    } else {
      report('tenant', 'skip', `the Create answered ${first.status}: cannot tell whether a tenant is needed`);
    }
  } else {
    try {
      const bare = await send('PUT', path('/sessions/new'), { body: {}, withTenant: false });
      if (bare.status >= 400 && bare.status < 500) {
        report(
          'tenant',
          'pass',
          `calls without tenantId are refused (${describeError(bare)}); tenant ${server.tenantId} is sent`,
        );
      } else if (bare.status < 300) {
        report(
          'tenant',
          'pass',
          `calls without tenantId are accepted too; tenant ${server.tenantId} is sent (8.5.x ignores it)`,
        );
      } else {
        report('tenant', 'skip', `a Create without tenantId answered ${bare.status}: cannot tell`);
      }
    } catch (error) {
      report('tenant', 'skip', `a Create without tenantId failed: ${reason(error)}`);
    }
  }

  // unknown-session: the version difference the library must handle.
  const unknownId = randomUUID();
  try {
    const answer = await send('GET', path(`/sessions/${unknownId}`));
    const session = readSession(answer);
    if (session.ok && session.sessionId !== unknownId) {
      report(
        'unknown-session',
        'pass',
        'new-session: an unknown id is answered with a new session (9.x, 8.5.0)',
      );
    } else if (
      answer.status === 404 ||
      (answer.status === 400 && saysSessionNotFound(readErrorBody(answer.text).description))
    ) {
      report(
        'unknown-session',
        'pass',
        `not-found: an unknown id is answered ${describeError(answer)} (8.5.1)`,
      );
    } else if (session.ok) {
      report(
        'unknown-session',
        'warn',
        `the server answered an id it cannot know (${unknownId}) as if it knew it`,
        'The library cannot tell a lost session from a kept one on this server; check what sits in front of it.',
      );
    } else {
      report(
        'unknown-session',
        'fail',
        `GET /sessions/{unknown id} answered ${describeError(answer)}: neither a new session nor "Session not found"`,
        'The library expects a new session (9.x, 8.5.0) or a 404 or 400 "Session not found" (8.5.1); check ' +
          'the server version and what sits in front of it.',
      );
    }
  } catch (error) {
    report('unknown-session', 'fail', `GET /sessions/{unknown id} failed: ${reason(error)}`, null);
  }

  // identity-headers: does a customer sent as `gkc_customerId` reach the server?
  if (created.ok) await checkIdentity();
  else report('identity-headers', 'skip', 'needs Create to work');

  async function checkIdentity(): Promise<void> {
    const customerId = madeValue('customer');
    // The visit id travels in the body, which no proxy strips: it tells a server that shows what it was given
    // from one that shows nothing.
    const visitId = madeValue('visit');
    const headers = { gkc_customerId: customerId };
    try {
      const made = await send('PUT', path('/sessions/new'), { headers, body: { visitId } });
      const session = readSession(made);
      if (!session.ok) {
        report(
          'identity-headers',
          'fail',
          `a Create with gkc_customerId ${session.problem}`,
          `Some proxies refuse headers with underscores. ${underscoreFix}`,
        );
        return;
      }
      const again = await send('GET', path(`/sessions/${encodeURIComponent(session.sessionId)}`), {
        headers,
      });
      const kept = readSession(again);
      const answers = [session.info, kept.ok ? kept.info : {}];
      const shown = answers.map((info) => info.customerId).filter((value) => value !== undefined);
      if (kept.ok && kept.sessionId !== session.sessionId) {
        report(
          'identity-headers',
          'fail',
          `a Retrieve of the session just created answered another session (${kept.sessionId})`,
          'The server forgot a session at once: if several servers stand behind a load balancer, they must ' +
            'share sessions (or the balancer must keep a client on one).',
        );
      } else if (shown.length > 0 && shown.every((value) => value === customerId)) {
        report(
          'identity-headers',
          'pass',
          `customer ${customerId} sent as gkc_customerId came back on Create and Retrieve`,
        );
      } else if (shown.some((value) => value !== customerId)) {
        report(
          'identity-headers',
          'fail',
          `sent customer ${customerId}, the server answered customer ${String(shown.find((value) => value !== customerId))}`,
          underscoreFix,
        );
      } else if (answers.some((info) => info.visitId === visitId)) {
        report(
          'identity-headers',
          'fail',
          'the visit id sent in the body came back, the customer sent as gkc_customerId did not: the header was dropped',
          underscoreFix,
        );
      } else {
        report(
          'identity-headers',
          'warn',
          'the server shows neither the customer nor the visit id in its answers, so the header cannot be verified',
          `Verify on the server (its log or session store) that customer ${customerId} arrived. ${underscoreFix}`,
        );
      }
    } catch (error) {
      report(
        'identity-headers',
        'fail',
        `a call with gkc_customerId failed: ${reason(error)}`,
        underscoreFix,
      );
    }
  }

  // cors-preflight and cors-expose: what a page on `origin` meets.
  if (origin === null) {
    report('cors-preflight', 'skip', 'pass --origin <the page origin> to check CORS');
    report('cors-expose', 'skip', 'pass --origin <the page origin> to check CORS');
  } else {
    const problems: string[] = [];
    const targets: [string, URL][] = [
      ['PUT', path('/sessions/new')],
      ['POST', path(`/sessions/${created.ok ? encodeURIComponent(created.sessionId) : unknownId}`)],
    ];
    for (const [method, url] of targets) {
      try {
        const answer = await send('OPTIONS', url, {
          headers: {
            'access-control-request-method': method,
            'access-control-request-headers': preflightHeaders.join(','),
          },
        });
        for (const problem of preflightProblems(answer.status, answer.headers, origin, method)) {
          problems.push(`${method} preflight: ${problem}`);
        }
      } catch (error) {
        problems.push(`${method} preflight failed: ${reason(error)}`);
      }
    }
    const unreadable = originProblem(first.headers, origin);
    if (unreadable) problems.push(`the answer to PUT /sessions/new carries ${unreadable}`);
    if (problems.length === 0) {
      report(
        'cors-preflight',
        'pass',
        `${origin} may send PUT and POST with content-type, gkc_customerId, gkc_agentId`,
      );
    } else {
      report(
        'cors-preflight',
        'fail',
        problems.join('; '),
        `In the server's CORS settings allow the origin ${origin}, the methods GET, PUT, POST and the headers ` +
          'content-type, gkc_customerId, gkc_agentId, on preflight and actual answers alike; or serve the API ' +
          "under the page's own origin (a reverse-proxy path) and give that path as baseUrl.",
      );
    }
    const exposed = first.headers.get('access-control-expose-headers');
    if (exposesRetryAfter(first.headers)) {
      report('cors-expose', 'pass', `Access-Control-Expose-Headers: ${exposed}`);
    } else {
      report(
        'cors-expose',
        'warn',
        `Retry-After is not exposed (Access-Control-Expose-Headers: ${exposed ?? 'absent'}): the page cannot read it`,
        'Add Retry-After to Access-Control-Expose-Headers, on error answers too (nginx: ' +
          '`add_header Access-Control-Expose-Headers Retry-After always;`); without it the library backs off on ' +
          'its own schedule when the server is busy.',
      );
    }
  }

  // knowledge: a Knowledge API call under the session, as `manager.fetch` sends it.
  if (kbId === null) {
    report('knowledge', 'skip', '--kb none');
  } else if (!created.ok) {
    report('knowledge', 'skip', 'needs a session (create failed)');
  } else {
    const url = path(`/kbs/${encodeURIComponent(kbId)}/search`);
    url.searchParams.set('sessionId', created.sessionId);
    url.searchParams.set('size', '1');
    try {
      const answer = await send('POST', url, { body: { query: 'help' } });
      if (answer.status >= 200 && answer.status < 300) {
        report('knowledge', 'pass', `POST /kbs/${kbId}/search under the session answered ${answer.status}`);
      } else {
        const notFound = saysSessionNotFound(readErrorBody(answer.text).description);
        report(
          'knowledge',
          'fail',
          `POST /kbs/${kbId}/search under the session answered ${describeError(answer)}`,
          notFound
            ? 'The Knowledge API does not know the session the Session API just made: both must be the same ' +
                'server (and tenant).'
            : `Check that knowledge base ${kbId} exists (--kb <id> names another; --kb none skips this check).`,
        );
      }
    } catch (error) {
      report('knowledge', 'fail', `POST /kbs/${kbId}/search failed: ${reason(error)}`, null);
    }
  }

  return finish();
}

/** Checks the options as the library does its own: a `TypeError` naming the bad one. */
function resolveDoctorOptions(options: DoctorOptions): {
  server: ServerLocation;
  origin: string | null;
  kbId: string | null;
  timeoutMs: number;
} {
  const server = resolveServer(options.baseUrl, options.tenantId);
  let origin: string | null = null;
  if (options.origin !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(options.origin);
    } catch {}
    if (!parsed || parsed.origin === 'null' || parsed.origin !== options.origin.replace(/\/$/, '')) {
      throw new TypeError(
        `origin must be a page origin such as https://shop.example.com, got ${JSON.stringify(options.origin)}`,
      );
    }
    origin = parsed.origin;
  }
  const kbId = options.kbId === undefined ? '_dflt' : options.kbId;
  if (kbId !== null) checkId('kbId', kbId);
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(
      `timeoutMs must be a positive number of milliseconds, got ${String(options.timeoutMs)}`,
    );
  }
  return { server, origin, kbId, timeoutMs };
}

type SessionRead =
  | { ok: true; sessionId: string; info: { customerId?: string; visitId?: string } }
  | { ok: false; problem: string };

/** Reads a session answer as the library does: status, envelope, then the schema. */
function readSession(answer: Exchange): SessionRead {
  if (answer.status < 200 || answer.status > 299)
    return { ok: false, problem: `answered ${describeError(answer)}` };
  if (answer.json === undefined)
    return { ok: false, problem: `answered ${answer.status} ${describeBody(answer)}` };
  const parsed = sessionInfoSchema.safeParse(unwrapEnvelope(answer.json));
  if (!parsed.success) {
    return {
      ok: false,
      problem: `answered ${answer.status} without a usable session: ${describeIssues(parsed.error)}`,
    };
  }
  return { ok: true, sessionId: parsed.data.sessionId, info: parsed.data };
}

function envelopeOf(body: unknown): string {
  if (isRecord(body) && isRecord(body.response)) return 'response: the session comes as {"response": {...}}';
  if (isRecord(body) && isRecord(body.data))
    return 'data: the session comes as {"status": ..., "data": {...}}';
  return 'bare: the session comes as the body itself';
}

function createFix(answer: Exchange, tenantId: string | undefined): string {
  const said = readErrorBody(answer.text);
  const aboutTenant = /tenant/i.test(`${said.code ?? ''} ${said.description ?? ''}`);
  if (aboutTenant && tenantId === undefined)
    return "The server wants a tenant: pass --tenant <id> (the library's tenantId option).";
  if (aboutTenant) return `The server does not accept tenant ${tenantId}: check the tenant id.`;
  if (answer.status === 405)
    return 'Something in front of the server refuses PUT: allow PUT and POST on the API path.';
  if (answer.status === 401 || answer.status === 403) {
    return (
      'Something in front of the server asks for credentials or blocks the call (a login, a WAF): the ' +
      'Session API must be open to the page.'
    );
  }
  if (answer.status >= 200 && answer.status < 300) {
    return 'The answer is not a session: check that the URL is the Knowledge Center REST root.';
  }
  return "See the Knowledge Center Server's log for this call.";
}

function describeBody(answer: Exchange): string {
  const type = answer.headers.get('content-type')?.split(';')[0] ?? 'no content type';
  if (answer.text.trim() === '') return `${type}, empty`;
  if (answer.json !== undefined) return type;
  return `${type}, starting ${JSON.stringify(answer.text.trim().slice(0, 40))}`;
}

function describeError(answer: Exchange): string {
  const said = readErrorBody(answer.text);
  const words = [said.code, said.description].filter((word) => word !== undefined).join(' ');
  return words ? `${answer.status} ${words}` : `${answer.status}`;
}

function reason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause.message : '';
    return cause ? `${error.message} (${cause})` : error.message;
  }
  return String(error);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
