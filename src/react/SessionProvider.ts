import { createContext, createElement, type ReactElement, type ReactNode, useContext } from 'react';
import type { SessionManager, SessionManagerOptions, SessionSnapshot } from '../index.js';
import { useOwnSessionManager } from './useOwnSessionManager.js';
import { useSessionSnapshot } from './useSessionSnapshot.js';

/** Undefined outside a provider; null inside one until its manager exists. */
const SessionContext = createContext<SessionManager | null | undefined>(undefined);
SessionContext.displayName = 'SessionContext';

export interface SessionProviderProps extends SessionManagerOptions {
  children?: ReactNode;
}

/**
 * Owns one session manager (see `useOwnSessionManager` for its lifetime, and what a changed prop does) and
 * gives it to the components below: `useSession()` for the snapshot, `useSessionManager()` for the manager.
 * The props are the manager's options.
 *
 * @example
 * <SessionProvider baseUrl="/gks-server/v1" customerId={user?.id}>
 *   <HelpWidget />
 * </SessionProvider>
 */
export function SessionProvider({ children, ...options }: SessionProviderProps): ReactElement {
  const manager = useOwnSessionManager(options);
  // createElement rather than JSX, so that the library needs no JSX transform; Context.Provider works in React
  // 18 and 19 alike.
  return createElement(SessionContext.Provider, { value: manager }, children);
}

/**
 * The manager of the nearest `SessionProvider`: null on the server and in the first render, before it exists
 * (event handlers and effects run later, and find it). Throws outside a provider.
 *
 * @example
 * const manager = useSessionManager();
 * const search = (query: string) => manager?.fetch('kbs/_dflt/search', { method: 'POST', body: query });
 */
export function useSessionManager(): SessionManager | null {
  const manager = useContext(SessionContext);
  if (manager === undefined)
    throw new Error('useSessionManager() and useSession() need a <SessionProvider> above');
  return manager;
}

/**
 * The snapshot of the nearest `SessionProvider`'s manager, re-rendering on every change: status `idle` with no
 * session on the server, while hydrating and until the manager exists. Throws outside a provider.
 *
 * @example
 * const { status, session } = useSession();
 * return <span>{status === 'ready' ? session?.sessionId : status}</span>;
 */
export function useSession(): SessionSnapshot {
  return useSessionSnapshot(useSessionManager());
}
