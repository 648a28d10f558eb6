// A deliberate list: what is exported here is the committed API; everything else is internal.

// The session manager: one session per browser and server.
export { createSessionManager } from './sessionManager';
export type { SessionManager } from './sessionManager';
export type { SessionManagerOptions } from './options';
export type { SessionChange, SessionChangeReason, SessionSnapshot, SnapshotListener } from './sessionState';
export type { StorageKind } from './sessionStore';
export type { KeyValueStore } from './indexedDbStore';
export type { LockManagerLike } from './sessionLock';
export { sessionQueryKey } from './sessionQuery';

// Requests under the session, for any HTTP client.
export { decorateRequest } from './sessionFetch';
export type { SessionCarrier } from './sessionFetch';

// The session calls, for applications that manage the session themselves.
export { createSessionClient } from './sessionClient';
export type { CallOptions, Identity, SessionClient, SessionClientOptions, VisitData } from './sessionClient';
export type { RetryOptions } from './retryPolicy';
export type { SessionInfo } from './schemas';

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
export type { AnySessionError, SessionErrorCode } from './errors';
