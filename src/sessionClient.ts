import { sleep } from './abortable.js';
import { InvalidResponseError } from './errors.js';
import { numberOption } from './numberOption.js';
import {
  type RetryOptions,
  type RetryPolicy,
  resolveRetryPolicy,
  retryDelay,
  shouldRetry,
} from './retryPolicy.js';
import { parseSessionInfo, type SessionInfo } from './schemas.js';
import { type JsonRequest, sendJsonRequest } from './sendRequest.js';
import { apiUrl, checkId, resolveServer, type ServerLocation } from './serverUrl.js';
import { visitFields } from './sessionRecord.js';
import { checkValues, pickValues } from './sessionValues.js';

/** Who is asking: sent as the `gkc_customerId` and `gkc_agentId` headers. */
export interface Identity {
  customerId?: string | undefined;
  agentId?: string | undefined;
}

/** Genesys Web Engagement ids, sent in the JSON body of Create and Update. */
export interface VisitData {
  visitId?: string | undefined;
  globalVisitId?: string | undefined;
}

export interface SessionClientOptions {
  /** Root of the Knowledge Center REST API: absolute, or a path resolved against the page's origin. */
  baseUrl: string | URL;
  /** Knowledge Center 9.x tenant, sent as `tenantId=` on every call. */
  tenantId?: string | undefined;
  /**
   * The transport.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch | undefined;
  /**
   * Per-attempt timeout.
   * @default 10000
   */
  timeoutMs?: number | undefined;
  /**
   * Retry policy for network errors, timeouts, 408/425/429 and 5xx; `false` for one try.
   * @default { attempts: 4, minDelayMs: 250, maxDelayMs: 10000 }
   */
  retry?: false | RetryOptions | undefined;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's retry policy for this call (the mutations retry through query-core instead). */
  retry?: RetryPolicy;
}

/** A typed client for the three session calls of the Session Management API. */
export interface SessionClient {
  readonly server: ServerLocation;
  /** `PUT /sessions/new`: a named session (identity and visit data) or an anonymous one. */
  create(input?: Identity & VisitData, options?: CallOptions): Promise<SessionInfo>;
  /** `GET /sessions/{id}`. Some servers answer an unknown id with a NEW session: compare the ids. */
  retrieve(sessionId: string, identity?: Identity, options?: CallOptions): Promise<SessionInfo>;
  /** `POST /sessions/{id}`: associates a customer (header) and visit data (body) with the session. */
  update(sessionId: string, input: Identity & VisitData, options?: CallOptions): Promise<SessionInfo>;
}

const defaultTimeoutMs = 10_000;

/**
 * Creates the client. Validates the options at once and throws a `TypeError` naming the bad one.
 *
 * @example
 * const client = createSessionClient({ baseUrl: 'https://kc.example.com/gks-server/v1' });
 * const { sessionId } = await client.create({ customerId: 'c-42', visitId: 'v-1' });
 */
export function createSessionClient(options: SessionClientOptions): SessionClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const server = resolveServer(options.baseUrl, options.tenantId);
  const policy = resolveRetryPolicy(options.retry);
  const timeoutMs = resolveTimeout(options.timeoutMs);
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError('fetch must be a function');
  }
  return sessionClientFor({ server, retry: policy, timeoutMs, fetch: options.fetch });
}

/** The transport: the `fetch` option, or the global one looked up per call (an app may wrap it later). */
export function transportOf(fetchOption: typeof fetch | undefined): typeof fetch {
  return fetchOption ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
}

/** The client over options already resolved and checked (the manager's are, by `resolveOptions`). */
export function sessionClientFor(config: {
  server: ServerLocation;
  retry: RetryPolicy;
  timeoutMs: number;
  fetch: typeof fetch | undefined;
}): SessionClient {
  const { server, retry: policy, timeoutMs } = config;
  const transport = transportOf(config.fetch);

  async function call(request: JsonRequest, callOptions: CallOptions | undefined): Promise<SessionInfo> {
    const retry = callOptions?.retry ?? policy;
    const signal = callOptions?.signal;
    for (let failures = 0; ; ) {
      try {
        const payload = await sendJsonRequest(request, { fetch: transport, timeoutMs, signal });
        const parsed = parseSessionInfo(payload);
        if ('data' in parsed) return parsed.data;
        throw new InvalidResponseError(`The session answer is invalid: ${parsed.problem}`, {
          cause: parsed.cause,
        });
      } catch (error) {
        failures += 1;
        if (signal?.aborted || !shouldRetry(retry, failures, error)) throw error;
        await sleep(retryDelay(retry, failures, error), signal);
      }
    }
  }

  return {
    server,
    async create(input = {}, callOptions) {
      checkInput(input);
      return call(
        {
          method: 'PUT',
          url: apiUrl(server, '/sessions/new'),
          headers: identityHeaders(input),
          body: pickValues(input, visitFields),
        },
        callOptions,
      );
    },
    async retrieve(sessionId, identity = {}, callOptions) {
      checkSessionId(sessionId);
      checkInput(identity);
      return call(
        { method: 'GET', url: sessionUrl(server, sessionId), headers: identityHeaders(identity), sessionId },
        callOptions,
      );
    },
    async update(sessionId, input, callOptions) {
      checkSessionId(sessionId);
      checkInput(input);
      return call(
        {
          method: 'POST',
          url: sessionUrl(server, sessionId),
          headers: identityHeaders(input),
          body: pickValues(input, visitFields),
          sessionId,
        },
        callOptions,
      );
    },
  };
}

export function resolveTimeout(timeoutMs: unknown): number {
  return numberOption('timeoutMs', timeoutMs, defaultTimeoutMs, '> 0');
}

/** The identity headers; header names are the documented `gkc_customerId` and `gkc_agentId`. */
export function identityHeaders(identity: Identity): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (identity.customerId !== undefined) headers.gkc_customerId = identity.customerId;
  if (identity.agentId !== undefined) headers.gkc_agentId = identity.agentId;
  return headers;
}

/** `encodeURIComponent` escapes `/ ? # %` and spaces, so any id stays one path segment. */
function sessionUrl(server: ServerLocation, sessionId: string): URL {
  return apiUrl(server, `/sessions/${encodeURIComponent(sessionId)}`);
}

function checkSessionId(sessionId: unknown): asserts sessionId is string {
  if (sessionId === undefined) throw new TypeError('sessionId is required');
  checkId('sessionId', sessionId);
  if (sessionId === '.' || sessionId === '..') {
    throw new TypeError('sessionId must not be "." or ".."');
  }
}

/** Refuses, before anything is sent, the values that would corrupt a header or a body. */
function checkInput(input: unknown): asserts input is Identity & VisitData {
  if (typeof input !== 'object' || input === null) throw new TypeError('the session data must be an object');
  checkValues(input);
}
