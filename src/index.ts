// A deliberate list: what is exported here is the committed API; everything else is internal.

// The session manager: one session per browser and server.
export { createSessionManager } from './sessionManager.js';
export type { SessionManager } from './sessionManager.js';
export type { SessionEvent, SessionManagerOptions } from './options.js';
export type {
  SessionChange,
  SessionChangeReason,
  SessionSnapshot,
  SnapshotListener,
} from './sessionState.js';
export type { StorageKind } from './sessionStore.js';
export type { KeyValueStore } from './indexedDbStore.js';
export type { LockManagerLike } from './sessionLock.js';
export { sessionQueryKey } from './sessionQuery.js';

// Requests under the session, for any HTTP client, and their answers.
export { readKnowledgeAnswer } from './http/knowledgeAnswer.js';
export { decorateRequest } from './sessionFetch.js';
export type { SessionCarrier } from './sessionFetch.js';

// The session calls, for applications that manage the session themselves.
export { createSessionClient } from './sessionClient.js';
export type {
  CallOptions,
  Identity,
  SessionClient,
  SessionClientOptions,
  VisitData,
} from './sessionClient.js';
export type { RetryOptions } from './retryPolicy.js';
export type { SessionInfo } from './schemas.js';

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
  SessionResetError,
  StorageError,
  TimeoutError,
} from './errors.js';
export type { AnySessionError, SessionErrorCode } from './errors.js';
