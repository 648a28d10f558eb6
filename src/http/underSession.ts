import type { ServerLocation, SessionCarrier, SessionInfo } from '../types.js';
import { abortable } from '../utils/abortable.js';
import { identityHeaders } from './client.js';
import { exchange, readErrorBody, saysSessionNotFound } from './exchange.js';
import { isUnderServer, resolveServer } from './serverUrl.js';

/**
 * Puts a request under the session, for any HTTP client: adds `sessionId` (and `tenantId` when configured)
 * to the query and the identity headers. A URL outside `baseUrl` comes back untouched, headers included: the
 * session and identity never reach another server.
 *
 * @example
 * const { url, headers } = decorateRequest(
 *   { baseUrl: '/gks-server/v1' }, await manager.ready(), 'kbs/_dflt/search', { 'content-type': 'application/json' });
 * await axios.post(url, { query }, { headers: Object.fromEntries(headers) });
 */
export function decorateRequest(
  server: { baseUrl: string | URL; tenantId?: string | undefined },
  session: SessionCarrier,
  url: string | URL,
  headers?: HeadersInit,
): { url: string; headers: Headers } {
  const location = resolveServer(server.baseUrl, server.tenantId);
  return decorate(location, session, resolveTarget(location, url), headers);
}

/**
 * A string that is not an absolute URL is a path under `baseUrl`, with or without its leading slash. A
 * protocol-relative `//host/x` counts as a path too: it cannot leave the server by accident.
 */
function resolveTarget(server: ServerLocation, input: string | URL): URL {
  if (input instanceof URL) return new URL(input.href);
  if (/^[a-z][a-z\d+.-]*:/i.test(input)) return new URL(input);
  return new URL(`${server.baseUrl}/${input.replace(/^\/+/, '')}`);
}

function decorate(
  server: ServerLocation,
  session: SessionCarrier,
  target: URL,
  headers?: HeadersInit,
): { url: string; headers: Headers } {
  const merged = new Headers(headers);
  if (!isUnderServer(server, target)) return { url: target.href, headers: merged };
  const url = new URL(target);
  url.searchParams.set('sessionId', session.sessionId);
  if (server.tenantId !== undefined) url.searchParams.set('tenantId', server.tenantId);
  for (const [name, value] of Object.entries(identityHeaders(session))) {
    if (name !== 'accept') merged.set(name, value);
  }
  return { url: url.href, headers: merged };
}

export interface SessionFetchContext {
  server: ServerLocation;
  transport: typeof fetch;
  timeoutMs: number;
  /** The manager's: aborted by `destroy()`, with a DestroyedError. */
  signal: AbortSignal;
  ready(): Promise<SessionInfo>;
  /** Establishes a new session in place of `lostId` (or adopts the one another tab already made). */
  recover(lostId: string): Promise<SessionInfo>;
}

/**
 * `manager.fetch`: sends a Knowledge API request under the session. Not retried (a search or a vote may not
 * be idempotent), except for the one repeat after the server said the session is unknown.
 */
export async function fetchUnderSession(
  context: SessionFetchContext,
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const target = resolveTarget(context.server, input instanceof Request ? input.url : input);
  if (!isUnderServer(context.server, target)) return context.transport(input, init);

  // One plain (url, init) form whatever came in: a Request's body is read once here, so that it can be
  // sent again after a lost session (a Request body is a stream and can be read only once).
  const base = input instanceof Request ? await requestInit(input, init) : { ...init };
  const callerSignal = base.signal ?? undefined;
  const replayable = !(base.body instanceof ReadableStream);
  let session = await abortable(context.ready(), callerSignal);

  for (let attempt = 1; ; attempt++) {
    const { url, headers } = decorate(context.server, session, target, base.headers);
    const sent = await send(context, url, { ...base, headers }, callerSignal);
    if (sent.status !== 404 && sent.status !== 400) return sent;
    const { response, unknownSession } = await readUnknownSession(sent);
    if (!unknownSession) return response;
    if (attempt > 1 || !replayable) {
      // Not repeated, but the next request should not meet the same lost session.
      context.recover(session.sessionId).catch(() => {});
      return response;
    }
    session = await abortable(context.recover(session.sessionId), callerSignal);
  }
}

/**
 * Whether a 404 or 400 answer's description or message says "session not found" (any case). The body is
 * read, and the caller gets an equal Response over the same text: `clone()` would do, but happy-dom's
 * empties both copies, and applications test widgets under happy-dom.
 */
async function readUnknownSession(
  answer: Response,
): Promise<{ response: Response; unknownSession: boolean }> {
  let text: string;
  try {
    text = await answer.text();
  } catch {
    return { response: answer, unknownSession: false };
  }
  const { status, statusText, headers, url } = answer;
  const response = new Response(text, { status, statusText, headers });
  Object.defineProperty(response, 'url', { value: url });
  return { response, unknownSession: saysSessionNotFound(readErrorBody(text).description) };
}

/**
 * The caller's signal governs the whole exchange, body included, as with fetch; the manager's (destroy) and
 * the timeout only the wait for the answer's headers: the body then belongs to the caller.
 */
function send(
  context: SessionFetchContext,
  url: string,
  init: RequestInit,
  callerSignal: AbortSignal | undefined,
): Promise<Response> {
  const { transport, timeoutMs, signal } = context;
  return exchange(
    url,
    init,
    { fetch: transport, timeoutMs, signals: [callerSignal, signal], lasting: callerSignal },
    async (response) => response,
  );
}

/** The fields of a Request as a RequestInit, its body read into memory; `init` wins where it says something. */
async function requestInit(request: Request, init: RequestInit | undefined): Promise<RequestInit> {
  const body =
    request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.clone().arrayBuffer();
  return {
    method: request.method,
    headers: request.headers,
    ...(body !== undefined && body.byteLength > 0 && { body }),
    credentials: request.credentials,
    cache: request.cache,
    redirect: request.redirect,
    referrer: request.referrer,
    referrerPolicy: request.referrerPolicy,
    integrity: request.integrity,
    keepalive: request.keepalive,
    mode: request.mode === 'navigate' ? 'same-origin' : request.mode,
    signal: request.signal,
    ...init,
  };
}
