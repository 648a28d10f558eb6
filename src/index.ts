// The session calls, for applications that manage the session themselves.

export type { AnySessionError, SessionErrorCode } from './errors';
// Errors: one class per code, and realm-safe guards.
export {
  DestroyedError,
  HttpError,
  InvalidResponseError,
  isSessionError,
  isSessionErrorWithCode,
  NetworkError,
  SessionError,
  SessionNotFoundError,
  StorageError,
  TimeoutError,
} from './errors';
export type { RetryOptions } from './retryPolicy';
export type { SessionInfo } from './schemas';
export type { CallOptions, Identity, SessionClient, SessionClientOptions, VisitData } from './sessionClient';
export { createSessionClient } from './sessionClient';
