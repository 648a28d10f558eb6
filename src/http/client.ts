import { visitFields } from '../core/fields.js';
import { parseSessionInfo } from '../core/schemas.js';
import { InvalidResponseError } from '../errors.js';
import type {
  CallOptions,
  Identity,
  RetryPolicy,
  ServerLocation,
  SessionClient,
  SessionClientOptions,
  SessionInfo,
  VisitData,
} from '../types.js';
import { sleep } from '../utils/abortable.js';
import { numberOption } from '../utils/numberOption.js';
import { checkId, checkValues, pickValues } from './checks.js';
import { type JsonRequest, sendJsonRequest } from './exchange.js';
import { resolveRetryPolicy, retryDelay, shouldRetry } from './retryPolicy.js';
import { apiUrl, resolveServer } from './serverUrl.js';

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
