// gkc-session/react: the React binding. It imports the library only through its public entry, which the
// build keeps as a module of its own: an application that imports both entries has one copy of the library.

export type { SessionProviderProps } from './SessionProvider.js';
// A provider that owns the manager, and the hooks below it.
export { SessionProvider, useSession, useSessionManager } from './SessionProvider.js';
// The pieces it is made of, for a component that owns or observes a manager by itself.
export { useOwnSessionManager } from './useOwnSessionManager.js';
export { idleSnapshot, useSessionSnapshot } from './useSessionSnapshot.js';
