/**
 * The library's error taxonomy. Every rejection that is not an argument error (`TypeError`) is one of these
 * classes, each with a literal `name`, a stable `code` and a `retryable` flag, and the original failure in the
 * standard `cause`.
 *
 * A widget often runs in an iframe: an error created in another realm fails `instanceof`, so the type guards
 * below also accept an object with the right `name` and `code`.
 */

export type SessionErrorCode =
  | 'network'
  | 'timeout'
  | 'http'
  | 'session-not-found'
  | 'invalid-response'
  | 'storage'
  | 'reset'
  | 'destroyed'
  | 'environment';

/** The base class of every error this library rejects with (argument errors aside). */
export abstract class SessionError extends Error {
  abstract override readonly name: string;
  abstract readonly code: SessionErrorCode;
  /** Whether the same call may succeed if repeated later. */
  abstract readonly retryable: boolean;
}

/** The request did not reach the server, or no answer came back (offline, DNS, CORS refusal, reset). */
export class NetworkError extends SessionError {
  override readonly name = 'NetworkError' as const;
  readonly code = 'network' as const;
  readonly retryable = true;
}

/** No answer within `timeoutMs`. Timeouts are per attempt. */
export class TimeoutError extends SessionError {
  override readonly name = 'TimeoutError' as const;
  readonly code = 'timeout' as const;
  readonly retryable = true;
  constructor(
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`No answer from the Knowledge Center within ${timeoutMs} ms`, options);
  }
}

export interface HttpErrorDetails {
  status: number;
  /** The server's own error code, whatever key it used (`code`, `errorCode`, ...). */
  serverCode?: string | undefined;
  /** The server's description, whatever key it used (`description`, `message`, ...). */
  description?: string | undefined;
  /** The delay the server asked for in `Retry-After`, when the header was readable. */
  retryAfterMs?: number | undefined;
}

/**
 * 408, 425, 429 and 5xx but 501 can succeed later; every other error status will fail again
 * (ofetch keeps the same list).
 */
const retryableStatuses = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The server answered with an error status. */
export class HttpError extends SessionError {
  override readonly name = 'HttpError' as const;
  readonly code = 'http' as const;
  readonly retryable: boolean;
  readonly status: number;
  readonly serverCode: string | undefined;
  readonly description: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(details: HttpErrorDetails, options?: ErrorOptions) {
    const said = [details.serverCode, details.description].filter(Boolean).join(': ');
    super(`The Knowledge Center answered ${details.status}${said ? ` (${said})` : ''}`, options);
    this.status = details.status;
    this.serverCode = details.serverCode;
    this.description = details.description;
    this.retryAfterMs = details.retryAfterMs;
    this.retryable = retryableStatuses.has(details.status);
  }
}

/** The server says the session does not exist: a 404, or a 400 whose description says so. */
export class SessionNotFoundError extends SessionError {
  override readonly name = 'SessionNotFoundError' as const;
  readonly code = 'session-not-found' as const;
  readonly retryable = false;
  constructor(
    readonly sessionId: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(`The Knowledge Center does not know session ${JSON.stringify(sessionId)} (${status})`, options);
  }
}

/** The answer does not match the schema, for example it has no usable `sessionId`. */
export class InvalidResponseError extends SessionError {
  override readonly name = 'InvalidResponseError' as const;
  readonly code = 'invalid-response' as const;
  readonly retryable = false;
}

/** The session store failed. The manager goes on in memory; the snapshot says so. */
export class StorageError extends SessionError {
  override readonly name = 'StorageError' as const;
  readonly code = 'storage' as const;
  readonly retryable = false;
}

/**
 * The session was reset (logout) or switched to another customer, in this tab or another one, before the
 * server acknowledged this identity: it is never sent on the session that follows, so `identify()` rejects.
 */
export class SessionResetError extends SessionError {
  override readonly name = 'SessionResetError' as const;
  readonly code = 'reset' as const;
  readonly retryable = false;
  constructor(
    readonly reason: 'reset' | 'customer-changed',
    options?: ErrorOptions,
  ) {
    super(
      `The session was ${reason === 'reset' ? 'reset' : 'switched to another customer'} before this identity was acknowledged`,
      options,
    );
  }
}

/**
 * What the manager needs of its environment is not there: a `baseUrl` that is a path, used where there is no
 * page to resolve it against (server rendering). Not retryable: give an absolute `baseUrl` there, or use the
 * manager in the browser only.
 */
export class EnvironmentError extends SessionError {
  override readonly name = 'EnvironmentError' as const;
  readonly code = 'environment' as const;
  readonly retryable = false;
}

/** The manager was destroyed. */
export class DestroyedError extends SessionError {
  override readonly name = 'DestroyedError' as const;
  readonly code = 'destroyed' as const;
  readonly retryable = false;
  constructor(options?: ErrorOptions) {
    super('The session manager was destroyed', options);
  }
}

const codes: ReadonlySet<string> = new Set<SessionErrorCode>([
  'network',
  'timeout',
  'http',
  'session-not-found',
  'invalid-response',
  'storage',
  'reset',
  'destroyed',
  'environment',
]);

/** True for an error of this library, from this realm or another one. */
export function isSessionError(error: unknown): error is SessionError {
  if (error instanceof SessionError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, retryable, name } = error as Partial<Record<'code' | 'retryable' | 'name', unknown>>;
  return (
    typeof name === 'string' && typeof code === 'string' && codes.has(code) && typeof retryable === 'boolean'
  );
}

/** True for a `SessionError` whose `code` is the one given (realm-safe). */
export function isSessionErrorWithCode<C extends SessionErrorCode>(
  error: unknown,
  code: C,
): error is Extract<AnySessionError, { code: C }> {
  return isSessionError(error) && error.code === code;
}

export type AnySessionError =
  | NetworkError
  | TimeoutError
  | HttpError
  | SessionNotFoundError
  | InvalidResponseError
  | StorageError
  | SessionResetError
  | DestroyedError
  | EnvironmentError;

/** What was thrown, as an Error (a bare value kept as its message). */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
