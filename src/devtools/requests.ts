import type { TraceRequestRow } from './types.js';

/** What a request row says about a request before its answer: which call, and the session it carried. */
export type RequestShape = Pick<TraceRequestRow, 'call' | 'method' | 'path' | 'sessionId'>;

/**
 * Reads a request the manager's transport is handed. `baseUrl` is the manager's API root as its `queryKey`
 * gives it (normalised: absolute, no trailing slash). The library sends the session calls as
 * `PUT /sessions/new` (Create), `GET /sessions/{id}` (Retrieve) and `POST /sessions/{id}` (Update); anything
 * else under the root is a Knowledge call carrying `?sessionId=`; a URL outside the root went out untouched.
 */
export function describeRequest(
  input: string | URL | Request,
  init: RequestInit | undefined,
  baseUrl: string | undefined,
): RequestShape {
  const href = input instanceof Request ? input.url : String(input);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  let url: URL;
  try {
    url = new URL(href, globalThis.location?.href);
  } catch {
    return { call: 'other', method, path: href, sessionId: null };
  }
  const base = baseUrl === undefined ? undefined : new URL(baseUrl);
  const under =
    base !== undefined &&
    url.origin === base.origin &&
    (url.pathname === base.pathname || url.pathname.startsWith(`${base.pathname.replace(/\/$/, '')}/`));
  if (!base || !under) return { call: 'other', method, path: url.href, sessionId: null };

  const path = url.pathname.slice(base.pathname.replace(/\/$/, '').length) || '/';
  const query = new URLSearchParams(url.search);
  const carried = query.get('sessionId');
  query.delete('sessionId');
  query.delete('tenantId');
  const rest = String(query) && `?${query}`;
  const session = /^\/sessions\/([^/]+)$/.exec(path);
  if (session && method === 'PUT' && session[1] === 'new')
    return { call: 'create', method, path, sessionId: null };
  if (session && (method === 'GET' || method === 'POST')) {
    return {
      call: method === 'GET' ? 'retrieve' : 'update',
      method,
      path,
      sessionId: decodeURIComponent(session[1] as string),
    };
  }
  return { call: 'knowledge', method, path: path + rest, sessionId: carried };
}

/**
 * The session id a Create answered, from the answer's text. The servers' three envelopes are accepted, as the
 * library accepts them: `response`, `data`, or bare.
 */
export function answeredSessionId(text: string): string | null {
  try {
    const body = JSON.parse(text) as { response?: unknown; data?: unknown; sessionId?: unknown };
    const payload = (isObject(body.response) ? body.response : isObject(body.data) ? body.data : body) as {
      sessionId?: unknown;
    };
    return typeof payload.sessionId === 'string' ? payload.sessionId : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
