import { timeoutManager } from '@tanstack/query-core';
import {
  HttpError,
  InvalidResponseError,
  NetworkError,
  SessionError,
  SessionNotFoundError,
  TimeoutError,
} from '../errors.js';
import { onAbort } from '../utils/abortable.js';
import { parseRetryAfter } from './retryPolicy.js';

/**
 * One HTTP exchange with the Knowledge Center: timeout, abort, size limit, envelope and error mapping.
 * Retries are the caller's business (`client.ts`).
 */

export interface JsonRequest {
  method: 'GET' | 'PUT' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: unknown;
  /** For Retrieve and Update: a 404 (or a 400 that says so) means this session is unknown. */
  sessionId?: string;
}

export interface SendOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** Session answers are a few hundred bytes; a megabyte is not a session answer, whatever sent it. */
const maxAnswerBytes = 1_048_576;

/** Sends one request and returns the answer's payload, unwrapped from its envelope but not yet validated. */
export function sendJsonRequest(request: JsonRequest, options: SendOptions): Promise<unknown> {
  const init: RequestInit = { method: request.method, headers: request.headers };
  if (request.body !== undefined) {
    init.body = JSON.stringify(request.body);
    init.headers = { ...request.headers, 'content-type': 'application/json' };
  }
  // The body is read within the exchange: a server that sends headers and then stalls is as unanswered as
  // one that never connects.
  return exchange(request.url, init, { ...options, signals: [options.signal] }, async (response) => {
    const text = await readCapped(response, maxAnswerBytes);
    if (!response.ok) throw errorFromAnswer(response, text, request.sessionId);
    return unwrapEnvelope(parseJson(text, response));
  });
}

export interface ExchangeOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  /** Each aborts the exchange with its reason, as fetch does: the caller's signal, the manager's destroy. */
  signals: (AbortSignal | undefined)[];
  /** One of `signals` that governs the answer's body after the exchange too (the caller's, as with fetch). */
  lasting?: AbortSignal | undefined;
}

/**
 * One fetch under the library's timeout and signals: `read` takes the answer within both. A failure is our
 * TimeoutError, an aborting signal's reason, a SessionError `read` threw, or a NetworkError.
 */
export async function exchange<T>(
  url: string | URL,
  init: RequestInit,
  options: ExchangeOptions,
  read: (response: Response) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const detach: (() => void)[] = [];
  for (const signal of options.signals) {
    if (!signal) continue;
    if (signal.aborted) controller.abort(signal.reason);
    const stopListening = onAbort(signal, () => controller.abort(signal.reason));
    if (signal !== options.lasting) detach.push(stopListening);
  }
  let timedOut = false;
  const timer = timeoutManager.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  try {
    controller.signal.throwIfAborted(); // a transport that ignores signals must not send at all
    return await read(await options.fetch(url, { ...init, signal: controller.signal }));
  } catch (cause) {
    if (cause instanceof SessionError) throw cause;
    if (timedOut) throw new TimeoutError(options.timeoutMs, { cause });
    const aborted = options.signals.find((signal) => signal?.aborted);
    if (aborted) throw aborted.reason;
    throw networkError(cause, url);
  } finally {
    timeoutManager.clearTimeout(timer);
    for (const fn of detach) fn();
  }
}

/** A failed `fetch` that no timeout or signal explains: the network. */
function networkError(cause: unknown, url: string | URL): NetworkError {
  const why = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
  // A browser reports a CORS refusal as a plain network failure; from another origin, say what to check.
  const page = (globalThis as { location?: { origin?: string } }).location?.origin;
  const crossOrigin = page !== undefined && page !== 'null' && new URL(url, page).origin !== page;
  const hint = crossOrigin
    ? ` (cross-origin: check that its CORS allows ${page} and the gkc_customerId and gkc_agentId headers)`
    : '';
  return new NetworkError(`The Knowledge Center could not be reached${why}${hint}`, { cause });
}

/** Reads the body as text, refusing more than `limit` bytes without buffering them. */
async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) throw oversized(limit);
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const chunks: BlobPart[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw oversized(limit);
    }
    chunks.push(value);
  }
  // Decoded as UTF-8, as `response.text()` would.
  return new Blob(chunks).text();
}

function oversized(limit: number): InvalidResponseError {
  return new InvalidResponseError(`The answer is larger than ${limit} bytes`);
}

export function parseJson(text: string, response: Response): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InvalidResponseError(`The answer is not JSON ${whatCame(response, text)}`, { cause });
  }
}

/** What an answer was, for a message about it: its status, content type and the start of its body. */
export function whatCame(response: Response, text: string): string {
  const type = response.headers.get('content-type') ?? 'no content type';
  const start = text.trim().slice(0, 40);
  return `(${response.status}, ${type}${start ? `, starts ${JSON.stringify(start)}` : ', empty'})`;
}

/**
 * Deployed servers disagree on the envelope: the documented `{"response": ...}`, 9.x's
 * `{"status": ..., "data": ...}`, and bare payloads are all seen. Take `response`, else `data`, else the body.
 */
export function unwrapEnvelope(body: unknown): unknown {
  if (isRecord(body)) {
    if (isRecord(body.response)) return body.response;
    if (isRecord(body.data)) return body.data;
  }
  return body;
}

/** The error answer as a typed error, with the server's code and description whatever their key names. */
export function errorFromAnswer(response: Response, text: string, sessionId: string | undefined): Error {
  const said = readErrorBody(text);
  const status = response.status;
  if (
    sessionId !== undefined &&
    (status === 404 || (status === 400 && saysSessionNotFound(said.description)))
  ) {
    return new SessionNotFoundError(sessionId, status, { cause: said });
  }
  return new HttpError({
    status,
    serverCode: said.code,
    description: said.description,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}

export function saysSessionNotFound(description: string | undefined): boolean {
  return description !== undefined && /session\s+not\s+found/i.test(description);
}

const codeKeys = ['code', 'errorCode', 'error_code', 'status'];
const descriptionKeys = ['description', 'message', 'errorMessage', 'error_description', 'detail', 'error'];

/**
 * The key names of an error body are undocumented: `{code, description}` and `{status, message}` are both
 * seen, at the top level or inside `response`/`error`. Looks at each place for the first usable value.
 */
export function readErrorBody(text: string): { code?: string; description?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {};
  }
  const places = isRecord(body) ? [body, body.response, body.error, body.data].filter(isRecord) : [];
  const pick = (keys: string[]) => {
    for (const place of places) {
      for (const key of keys) {
        const value = place[key];
        if (typeof value === 'string' && value.trim() !== '') return value;
        if (typeof value === 'number') return String(value);
      }
    }
    return undefined;
  };
  const code = pick(codeKeys);
  const description = pick(descriptionKeys);
  return { ...(code !== undefined && { code }), ...(description !== undefined && { description }) };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
