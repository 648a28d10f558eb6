// A deliberate list: what is exported here is the committed API; everything else is internal. The public
// types all live in ./types.ts.

// The session manager: one session per browser and server.
export { createSessionManager } from './manager/createSessionManager.js';
export { sessionQueryKey } from './manager/queryKey.js';
export type {
  Capability,
  ChannelSource,
  KeyValueStore,
  LockManagerLike,
  SessionChange,
  SessionChangeReason,
  SessionEvent,
  SessionManager,
  SessionManagerOptions,
  SessionSnapshot,
  SnapshotListener,
  StorageKind,
} from './types.js';

// Requests under the session, for any HTTP client, and their answers.
export { readKnowledgeAnswer } from './http/knowledgeAnswer.js';
export { decorateRequest } from './http/underSession.js';
export type { SessionCarrier } from './types.js';

// The session calls, for applications that manage the session themselves.
export { createSessionClient } from './http/client.js';
export type {
  CallOptions,
  Identity,
  RetryOptions,
  SessionClient,
  SessionClientOptions,
  SessionInfo,
  VisitData,
} from './types.js';

// Errors: one class per code, and realm-safe guards.
export {
  DestroyedError,
  EnvironmentError,
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
