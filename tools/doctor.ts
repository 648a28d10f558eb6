import { randomUUID } from 'node:crypto';
import { checkId } from '../src/http/checks.js';
import { readErrorBody, saysSessionNotFound } from '../src/http/exchange.js';
import { resolveServer } from '../src/http/serverUrl.js';
import type { ServerLocation } from '../src/types.js';
import { checkCors } from './corsCheck.js';
import {
  createProbe,
  describeBody,
  describeError,
  type Exchange,
  type Probe,
  readSession,
  reason,
} from './doctorProbe.js';
import {
  type CheckId,
  type CheckResult,
  type CheckStatus,
  checkIds,
  type DoctorReport,
} from './doctorReport.js';
import { checkIdentityHeaders } from './identityCheck.js';
import { describeNotFound, isNotTheRoot, saysTenant, wrongRootFix } from './restRoot.js';

/**
 * The checks of `gkc-session-doctor`: it talks to a Knowledge Center as the library would (the same URLs,
 * tenant parameter, identity headers, envelope reading and answer validation) and reports, per check, what it
 * saw and how to fix what a page would trip over. It makes at most four sessions: the Create, a Create without
 * the tenant (only with `tenantId`), the server's answer to an unknown id (9.x and 8.5.0 make one), and the
 * Create that carries a customer. At a URL that is not the REST root the first Create makes none, and one
 * Create at the likelier root (restRoot.ts) makes at most one.
 */

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

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const settings = resolveDoctorOptions(options);
  const { server, origin, kbId, timeoutMs } = settings;
  const results = new Map<CheckId, CheckResult>();
  const report = (id: CheckId, status: CheckStatus, detail: string, fix: string | null = null) => {
    results.set(id, { id, status, detail, fix });
  };
  const finish = (): DoctorReport => ({
    baseUrl: server.baseUrl,
    origin,
    checks: checkIds.map(
      (id) =>
        results.get(id) ?? { id, status: 'skip', detail: 'not run: an earlier check failed', fix: null },
    ),
  });
  const probe = createProbe({
    server,
    origin,
    timeoutMs,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    report,
  });
  const { send, path } = probe;

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
  if (isNotTheRoot(first)) {
    // Said here, before anything reads the answer as a Knowledge Center's: a server's JSON 404 would pass
    // `reachable` and send the user to the server's log and to a tenant that has nothing to do with it.
    report(
      'reachable',
      'fail',
      `PUT ${createUrl.pathname} answered ${describeNotFound(first)}: there is no Create there, so ` +
        `${server.baseUrl} is not the Knowledge Center REST root`,
      await wrongRootFix(probe),
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
    if ([401, 403, 405].includes(first.status)) {
      // Refused before a Knowledge Center could look at the tenant: `create` says what to change.
      report('tenant', 'skip', `the Create was refused (${first.status}) for another reason: see create`);
    } else if (first.status >= 400 && first.status < 500) {
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

  // A server that refuses the Create refuses this too, for the same reason: nothing would be learnt.
  const unknownId = randomUUID();
  if (created.ok) await checkUnknownSession(probe, unknownId);
  else report('unknown-session', 'skip', 'needs Create to work');

  if (created.ok) await checkIdentityHeaders(probe);
  else report('identity-headers', 'skip', 'needs Create to work');

  await checkCors(
    probe,
    first,
    `/sessions/${created.ok ? encodeURIComponent(created.sessionId) : unknownId}`,
  );

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

/** `unknown-session`: the version difference the library must handle, on an id no server can know. */
async function checkUnknownSession(probe: Probe, unknownId: string): Promise<void> {
  const { send, path, report } = probe;
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

function envelopeOf(body: unknown): string {
  if (isRecord(body) && isRecord(body.response)) return 'response: the session comes as {"response": {...}}';
  if (isRecord(body) && isRecord(body.data))
    return 'data: the session comes as {"status": ..., "data": {...}}';
  return 'bare: the session comes as the body itself';
}

function createFix(answer: Exchange, tenantId: string | undefined): string {
  const aboutTenant = saysTenant(answer);
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
