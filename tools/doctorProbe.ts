import { parseSessionInfo } from '../src/core/schemas.js';
import { readErrorBody, unwrapEnvelope } from '../src/http/exchange.js';
import { apiUrl } from '../src/http/serverUrl.js';
import type { ServerLocation } from '../src/types.js';
import type { CheckId, CheckStatus } from './doctorReport.js';

/**
 * What every check of the doctor uses: one way to send a request as the library does, one way to read a
 * session answer as the library does, and the words that describe an answer in a report.
 */

/** One HTTP exchange as the doctor keeps it: the parsed JSON body, or `undefined` when it is not JSON. */
export interface Exchange {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface SendInit {
  headers?: Record<string, string>;
  body?: unknown;
  /** `false` leaves `tenantId` off, to see whether the server wants it. @default true */
  withTenant?: boolean;
}

export interface Probe {
  readonly server: ServerLocation;
  readonly origin: string | null;
  /** The URL of `path` under the API root, with `tenantId` when one was given. */
  path(path: string): URL;
  /** Sends one request the way the library does: JSON, `accept`, and the page's `Origin` when one was given. */
  send(method: string, url: URL, init?: SendInit): Promise<Exchange>;
  report(id: CheckId, status: CheckStatus, detail: string, fix?: string | null): void;
}

export function createProbe(config: {
  server: ServerLocation;
  origin: string | null;
  timeoutMs: number;
  fetch: typeof fetch;
  report: Probe['report'];
}): Probe {
  const { server, origin, timeoutMs } = config;
  return {
    server,
    origin,
    report: config.report,
    path: (path) => apiUrl(server, path),
    async send(method, url, init = {}) {
      if (init.withTenant === false) url.searchParams.delete('tenantId');
      const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
      if (origin !== null) headers.origin = origin;
      const request: RequestInit = { method, headers, signal: AbortSignal.timeout(timeoutMs) };
      if (init.body !== undefined) {
        headers['content-type'] = 'application/json';
        request.body = JSON.stringify(init.body);
      }
      const response = await config.fetch(url, request);
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: parseJson(text) };
    },
  };
}

export type SessionRead =
  | { ok: true; sessionId: string; info: { customerId?: string; visitId?: string } }
  | { ok: false; problem: string };

/** Reads a session answer as the library does: the status, the envelope, then the schema. */
export function readSession(answer: Exchange): SessionRead {
  if (answer.status < 200 || answer.status > 299) {
    return { ok: false, problem: `answered ${describeError(answer)}` };
  }
  if (answer.json === undefined) {
    return { ok: false, problem: `answered ${answer.status} ${describeBody(answer)}` };
  }
  const parsed = parseSessionInfo(unwrapEnvelope(answer.json));
  if (!('data' in parsed)) {
    return { ok: false, problem: `answered ${answer.status} without a usable session: ${parsed.problem}` };
  }
  return { ok: true, sessionId: parsed.data.sessionId, info: parsed.data };
}

/** `application/json`, or what came instead: `text/html, starting "<!doctype html>..."`. */
export function describeBody(answer: Exchange): string {
  const type = answer.headers.get('content-type')?.split(';')[0] ?? 'no content type';
  if (answer.text.trim() === '') return `${type}, empty`;
  if (answer.json !== undefined) return type;
  return `${type}, starting ${JSON.stringify(answer.text.trim().slice(0, 40))}`;
}

/** The status with the server's code and description, whatever their key names: `404 NOT_FOUND Session not found`. */
export function describeError(answer: Exchange): string {
  const said = readErrorBody(answer.text);
  const words = [said.code, said.description].filter((word) => word !== undefined).join(' ');
  return words ? `${answer.status} ${words}` : `${answer.status}`;
}

/** Why a request got no answer; Node's fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
export function reason(error: unknown): string {
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
