import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { idleConnections } from './idleConnections.js';
import { sampleArticles, sampleKbId, searchArticles, suggestTitles, topArticles } from './sampleArticles.js';

/**
 * A stand-in Genesys Knowledge Center: the Session Management calls and the session-carrying Knowledge API
 * calls of `shared/spec/gkc-session-api.md`, with both version behaviours, the three envelopes, CORS, and
 * fault controls. It runs in-process for tests (`listen()` on 127.0.0.1 port 0), is mounted into Vite's
 * dev server for the demo (`standInPlugin.ts`), and ships as the `gkc-session-stand-in` command for integrators.
 * Controls are also reachable over HTTP under `/__gkc/` so that browser tests and the demo page can drive them.
 */

/**
 * `9` and `8.5.0` answer a Retrieve of an unknown id with a NEW session; `8.5.1` answers "Session not found"
 * but creates a session when an unknown id is updated.
 */
export type ServerVersion = '8.5.0' | '8.5.1' | '9';
export type Envelope = 'response' | 'data' | 'bare';
/**
 * `html`: a gateway's 502 page; `login-page`: a 200 HTML sign-in page, as an SSO proxy answers; `empty`: a 200
 * with no body; `truncated`, `no-session-id`, `text-plain` and `huge` (2 MB): broken session answers.
 */
export type Malformation =
  | 'html'
  | 'login-page'
  | 'empty'
  | 'truncated'
  | 'no-session-id'
  | 'text-plain'
  | 'huge';

export interface KnowledgeServerOptions {
  /** @default '9' */
  version?: ServerVersion;
  /** @default 'response' */
  envelope?: Envelope;
  /** When set, every API call must carry `?tenantId=` with this value (Knowledge Center 9.x). */
  tenantId?: string;
  /** Every API call must carry some `?tenantId=` (any value), as a 9.x server hosting several tenants. @default false */
  requireTenant?: boolean;
  /** Origins CORS allows; `'*'` allows any. @default '*' */
  allowedOrigins?: readonly string[] | '*';
  /** Whether preflight allows the `gkc_*` identity headers. @default true */
  allowIdentityHeaders?: boolean;
  /** Whether `Retry-After` is listed in Access-Control-Expose-Headers. @default true */
  exposeRetryAfter?: boolean;
  /** The status of a "Session not found" answer. @default 404 */
  notFoundStatus?: 404 | 400;
  /** @default '/gks-server/v1' */
  basePath?: string;
  /**
   * Behave as if behind nginx with its default `underscores_in_headers off`: request headers whose name holds
   * an underscore (`gkc_customerId`, `gkc_agentId`) never reach the server. @default false
   */
  dropUnderscoreHeaders?: boolean;
}

export interface Faults {
  /** Answer the next `count` API calls with `status` (and `Retry-After` when given, in seconds). */
  failNext?: { count: number; status: number; retryAfter?: number } | null;
  /**
   * Destroy the connection of every API call (a reset, as a dead server looks from a browser). While down, no
   * connection is kept alive; set over HTTP (`POST /__gkc/faults`), going down also closes the idle ones, as
   * a server that stops does, so that a browser does not resend a call over its other pooled connections
   * (`idleConnections.ts` says why). Set in process, the idle connections are left be: a Node client may be
   * writing a request on one at that very moment, and would fail without the call reaching the log.
   */
  down?: boolean;
  /** Wait this long before answering each API call. */
  delayMs?: number;
  /** Answer the next `count` API calls with a malformed body. */
  malformNext?: { count: number; kind: Malformation } | null;
}

export type CallName =
  | 'create'
  | 'retrieve'
  | 'update'
  | 'search'
  | 'federated-search'
  | 'suggestions'
  | 'top'
  | 'document'
  | 'no-answer'
  | 'vote'
  | 'unknown';

export interface LoggedRequest {
  at: number;
  method: string;
  path: string;
  call: CallName;
  /** The session the call was made under: the path id for session calls, the query parameter otherwise. */
  sessionId: string | null;
  tenantId: string | null;
  customerId: string | null;
  agentId: string | null;
  origin: string | null;
  body: unknown;
  /** The answer's status; 0 when the connection was destroyed. */
  status: number;
}

export interface StoredSession {
  sessionId: string;
  customerId?: string;
  agentId?: string;
  visitId?: string;
  globalVisitId?: string;
  createdAt: string;
}

export interface Feedback {
  kind: 'no-answer' | 'vote';
  sessionId: string | null;
  kbId: string;
  docId?: string;
  relevant?: boolean;
  query?: string;
}

export interface KnowledgeServer {
  /** A Node/Connect handler: answers what is under `basePath` or `/__gkc/`, passes the rest to `next`. */
  handle(req: IncomingMessage, res: ServerResponse, next?: () => void): void;
  /** Listens on 127.0.0.1 (port 0 picks a free one); resolves with the API root URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  readonly sessions: Map<string, StoredSession>;
  readonly log: LoggedRequest[];
  readonly feedback: Feedback[];
  faults: Faults;
  /** Changes the version, envelope, tenant or CORS settings at run time. */
  configure(options: KnowledgeServerOptions): void;
  readonly config: Readonly<
    Required<Omit<KnowledgeServerOptions, 'tenantId'>> & { tenantId: string | undefined }
  >;
  /** Forgets every session, as a restarted server does. */
  forgetSessions(): void;
  /** Forgets sessions, log, feedback and faults. */
  reset(): void;
  /** Logged calls, optionally only those of one kind. */
  calls(call?: CallName): LoggedRequest[];
}

class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export function createKnowledgeServer(options: KnowledgeServerOptions = {}): KnowledgeServer {
  const config = {
    version: '9' as ServerVersion,
    envelope: 'response' as Envelope,
    tenantId: undefined as string | undefined,
    requireTenant: false,
    allowedOrigins: '*' as readonly string[] | '*',
    allowIdentityHeaders: true,
    exposeRetryAfter: true,
    notFoundStatus: 404 as 404 | 400,
    basePath: '/gks-server/v1',
    dropUnderscoreHeaders: false,
  };
  const configure = (next: KnowledgeServerOptions) => Object.assign(config, next);
  configure(options);

  const sessions = new Map<string, StoredSession>();
  const log: LoggedRequest[] = [];
  const feedback: Feedback[] = [];
  let faults: Faults = {};
  let httpServer: Server | undefined;
  const connections = idleConnections();

  function newSession(identity: Identity, visit: Record<string, unknown>): StoredSession {
    const session: StoredSession = { sessionId: randomUUID(), createdAt: new Date().toISOString() };
    Object.assign(session, identity, pickVisit(visit));
    sessions.set(session.sessionId, session);
    return session;
  }

  function ok(payload: unknown): Answer {
    if (config.envelope === 'response') return new Answer(200, { response: payload });
    if (config.envelope === 'data') return new Answer(200, { status: 'OK', data: payload });
    return new Answer(200, payload);
  }

  function fail(status: number, code: string, description: string): Answer {
    // Both key shapes seen in the field: `{code, description}` and 9.x's `{status, message}`.
    if (config.envelope === 'data') return new Answer(status, { status: code, message: description });
    return new Answer(status, { code, description });
  }

  const notFound = () => fail(config.notFoundStatus, 'NOT_FOUND', 'Session not found');

  /** Routes one API call (already past CORS, faults and tenant checks). */
  function route(call: CallName, req: ApiCall): Answer {
    const { identity, body, params } = req;
    switch (call) {
      case 'create':
        return ok(newSession(identity, body));
      case 'retrieve': {
        const session = sessions.get(params.id ?? '');
        if (session) return ok(session);
        // 8.5.0 and 9.x: the server creates a new session of its own and answers with it.
        return config.version === '8.5.1' ? notFound() : ok(newSession(identity, {}));
      }
      case 'update': {
        const session = sessions.get(params.id ?? '');
        if (!session) return config.version === '8.5.1' ? ok(newSession(identity, body)) : notFound();
        Object.assign(session, identity, pickVisit(body));
        return ok(session);
      }
      default:
        return knowledgeCall(call, req);
    }
  }

  function knowledgeCall(call: CallName, req: ApiCall): Answer {
    const { params, query, body, sessionId } = req;
    // A call may come without a session (anonymous); one under an id the server does not know is refused.
    if (sessionId !== null && !sessions.has(sessionId)) return notFound();
    const kbId = params.kbId ?? sampleKbId;
    if (call !== 'federated-search' && kbId !== sampleKbId && kbId !== '_dflt') {
      return fail(404, 'KB_NOT_FOUND', `Knowledge base ${kbId} not found`);
    }
    const size = Number(query.get('size') ?? 10) || 10;
    const text = typeof body.query === 'string' ? body.query : '';
    switch (call) {
      case 'search':
      case 'federated-search': {
        const documents = searchArticles(text, size).map((hit) => ({ ...hit, kbId: sampleKbId }));
        return ok({ query: text, count: documents.length, documents });
      }
      case 'suggestions':
        return ok({ query: text, suggestions: suggestTitles(text, size) });
      case 'top':
        return ok({ documents: topArticles(size).map(({ text: _text, ...rest }) => ({ ...rest, kbId })) });
      case 'document': {
        const article = sampleArticles.find((item) => item.id === params.docId);
        return article
          ? ok({ ...article, kbId })
          : fail(404, 'DOC_NOT_FOUND', `Document ${params.docId} not found`);
      }
      case 'no-answer': {
        if (!query.get('lang')) return fail(400, 'BAD_REQUEST', 'lang is required');
        const entry: Feedback = { kind: 'no-answer', sessionId, kbId };
        if (text) entry.query = text;
        feedback.push(entry);
        return ok({ recorded: true });
      }
      case 'vote': {
        const relevant = query.get('relevant');
        if (relevant !== 'true' && relevant !== 'false')
          return fail(400, 'BAD_REQUEST', 'relevant must be true or false');
        feedback.push({
          kind: 'vote',
          sessionId,
          kbId,
          docId: params.docId ?? '',
          relevant: relevant === 'true',
        });
        return ok({ recorded: true });
      }
      default:
        return fail(404, 'NOT_FOUND', 'No such call');
    }
  }

  function cors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    if (!origin) {
      // Some clients (happy-dom among them) leave Origin off simple GETs yet still check the answer's CORS.
      if (config.allowedOrigins === '*') res.setHeader('access-control-allow-origin', '*');
      return true;
    }
    const allowed = config.allowedOrigins === '*' || config.allowedOrigins.includes(origin);
    res.setHeader('vary', 'Origin');
    if (!allowed) return false;
    res.setHeader('access-control-allow-origin', origin);
    if (config.exposeRetryAfter) res.setHeader('access-control-expose-headers', 'Retry-After');
    return true;
  }

  function preflight(req: IncomingMessage, res: ServerResponse): void {
    if (cors(req, res) && req.headers.origin) {
      const headers = ['content-type', 'accept'];
      if (config.allowIdentityHeaders) headers.push('gkc_customerId', 'gkc_agentId');
      res.setHeader('access-control-allow-methods', 'GET, PUT, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', headers.join(', '));
      res.setHeader('access-control-max-age', '600');
    }
    res.statusCode = 204;
    res.end();
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    if (req.method === 'OPTIONS') return preflight(req, res);
    cors(req, res);
    const rawBody = await readBody(req);
    const parsedBody = parseBody(rawBody);
    const { call, params } = matchRoute(req.method ?? 'GET', path);
    const sessionId =
      call === 'retrieve' || call === 'update' ? (params.id ?? null) : url.searchParams.get('sessionId');
    const identity: Identity = {};
    // nginx drops such headers before they reach the upstream; the log then shows what the server got.
    const customerId = config.dropUnderscoreHeaders ? null : header(req, 'gkc_customerid');
    const agentId = config.dropUnderscoreHeaders ? null : header(req, 'gkc_agentid');
    if (customerId !== null) identity.customerId = customerId;
    if (agentId !== null) identity.agentId = agentId;
    const entry: LoggedRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path,
      call,
      sessionId,
      tenantId: url.searchParams.get('tenantId'),
      customerId,
      agentId,
      origin: header(req, 'origin'),
      body: parsedBody ?? rawBody,
      status: 0,
    };
    log.push(entry);

    if (faults.delayMs) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
    if (faults.down) {
      req.socket.destroy();
      return;
    }
    const failing = faults.failNext;
    if (failing && failing.count > 0) {
      failing.count -= 1;
      const headers: Record<string, string> = {};
      if (failing.retryAfter !== undefined) headers['retry-after'] = String(failing.retryAfter);
      const answer = new Answer(
        failing.status,
        { code: 'INJECTED', description: `Injected ${failing.status}` },
        headers,
      );
      return send(res, entry, answer);
    }
    const malforming = faults.malformNext;
    if (malforming && malforming.count > 0) {
      malforming.count -= 1;
      return sendMalformed(res, entry, malforming.kind);
    }
    let answer: Answer;
    if (config.requireTenant && !entry.tenantId) {
      answer = fail(400, 'TENANT_REQUIRED', 'tenantId is required');
    } else if (config.tenantId !== undefined && entry.tenantId !== config.tenantId) {
      answer =
        entry.tenantId === null
          ? fail(400, 'TENANT_REQUIRED', 'tenantId is required')
          : fail(404, 'TENANT_NOT_FOUND', `Tenant ${entry.tenantId} not found`);
    } else if (parsedBody === undefined) {
      answer = fail(400, 'BAD_REQUEST', 'The body is not valid JSON');
    } else {
      answer = route(call, { identity, body: parsedBody ?? {}, params, query: url.searchParams, sessionId });
    }
    send(res, entry, answer);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
    const body = (parseBody(await readBody(req)) ?? {}) as Record<string, unknown>;
    res.setHeader('cache-control', 'no-store');
    if (req.method === 'POST') {
      if (action === 'faults') {
        if (body.down && !faults.down) connections.closeIdle();
        faults = body as Faults;
      } else if (action === 'configure') configure(body as KnowledgeServerOptions);
      else if (action === 'forget-sessions') sessions.clear();
      else if (action === 'reset') reset();
      else return json(res, 404, { description: `No control ${action}` });
    }
    if (faults.down) res.setHeader('connection', 'close');
    json(res, 200, { config, faults, sessions: [...sessions.values()], log, feedback });
  }

  function reset() {
    sessions.clear();
    log.length = 0;
    feedback.length = 0;
    faults = {};
  }

  const handle: KnowledgeServer['handle'] = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const base = config.basePath.replace(/\/+$/, '');
    connections.track(req, res);
    if (faults.down) res.setHeader('connection', 'close');
    let work: Promise<void> | undefined;
    if (url.pathname === base || url.pathname.startsWith(`${base}/`)) {
      work = handleApi(req, res, url.pathname.slice(base.length) || '/', url);
    } else if (url.pathname.startsWith('/__gkc/')) {
      work = handleControl(req, res, url.pathname.slice('/__gkc/'.length));
    }
    if (!work) {
      if (next) return next();
      return json(res, 404, { code: 'NOT_FOUND', description: 'Not a Knowledge Center path' });
    }
    work.catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { code: 'INTERNAL', description: String(error) });
    });
  };

  return {
    handle,
    sessions,
    log,
    feedback,
    get faults() {
      return faults;
    },
    set faults(next: Faults) {
      faults = next;
    },
    get config() {
      return config;
    },
    configure,
    forgetSessions: () => sessions.clear(),
    reset,
    calls: (call) => (call ? log.filter((entry) => entry.call === call) : [...log]),
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const server = createServer((req, res) => handle(req, res));
        httpServer = server;
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: bound } = server.address() as AddressInfo;
          resolve(`http://${host}:${bound}${config.basePath}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!httpServer) return resolve();
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
        httpServer = undefined;
      });
    },
  };
}

interface Identity {
  customerId?: string;
  agentId?: string;
}

/** One API call, parsed: what the routes need of it. */
interface ApiCall {
  identity: Identity;
  body: Record<string, unknown>;
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  sessionId: string | null;
}

const routes: [string, RegExp, CallName][] = [
  ['PUT', /^\/sessions\/new$/, 'create'],
  ['GET', /^\/sessions\/(?<id>[^/]+)$/, 'retrieve'],
  ['POST', /^\/sessions\/(?<id>[^/]+)$/, 'update'],
  ['POST', /^\/kbs\/langs\/(?<lang>[^/]+)\/search$/, 'federated-search'],
  ['POST', /^\/kbs\/(?<kbId>[^/]+)\/search$/, 'search'],
  ['POST', /^\/kbs\/(?<kbId>[^/]+)\/suggestions$/, 'suggestions'],
  ['GET', /^\/kbs\/(?<kbId>[^/]+)\/top$/, 'top'],
  ['GET', /^\/kbs\/(?<kbId>[^/]+)\/documents\/(?<docId>[^/]+)$/, 'document'],
  ['POST', /^\/feedback\/(?<kbId>[^/]+)\/noAnswer$/, 'no-answer'],
  ['POST', /^\/feedback\/(?<kbId>[^/]+)\/documents\/(?<docId>[^/]+)\/vote$/, 'vote'],
];

function matchRoute(
  method: string,
  path: string,
): { call: CallName; params: Record<string, string | undefined> } {
  for (const [verb, pattern, call] of routes) {
    const match = verb === method ? pattern.exec(path) : null;
    if (match) {
      const params: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(match.groups ?? {})) params[key] = decodeURIComponent(value);
      return { call, params };
    }
  }
  return { call: 'unknown', params: {} };
}

function pickVisit(body: Record<string, unknown>): Pick<StoredSession, 'visitId' | 'globalVisitId'> {
  const visit: Pick<StoredSession, 'visitId' | 'globalVisitId'> = {};
  if (typeof body.visitId === 'string') visit.visitId = body.visitId;
  if (typeof body.globalVisitId === 'string') visit.globalVisitId = body.globalVisitId;
  return visit;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** `null` for an empty body, `undefined` for one that is not a JSON object. */
function parseBody(text: string): Record<string, unknown> | null | undefined {
  if (text.trim() === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, entry: LoggedRequest, answer: Answer): void {
  entry.status = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  json(res, answer.status, answer.body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function sendMalformed(res: ServerResponse, entry: LoggedRequest, kind: Malformation): void {
  const bodies: Record<Malformation, [status: number, type: string, body: string]> = {
    html: [502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    'login-page': [
      200,
      'text/html; charset=utf-8',
      '<!doctype html><title>Sign in</title><form method="post">',
    ],
    empty: [200, 'application/json', ''],
    truncated: [200, 'application/json', '{"response": {"sessionId": "abc'],
    'no-session-id': [200, 'application/json', '{"response": {"customerId": "nobody"}}'],
    'text-plain': [200, 'text/plain', 'Session created'],
    huge: [
      200,
      'application/json',
      `{"response": {"sessionId": "big", "padding": "${'x'.repeat(2_000_000)}"}}`,
    ],
  };
  const [status, type, body] = bodies[kind];
  entry.status = status;
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.end(body);
}
