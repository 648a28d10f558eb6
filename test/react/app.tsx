// The components the React tests render: on the server (./server.test.tsx, through react-dom/server) and in
// the browsers (../browser/reactPageEntry.tsx, through react-dom/client), the same markup in both.
import { useEffect } from 'react';
import type { SessionManager, SessionManagerOptions } from '../../src/index';
import {
  SessionProvider,
  type SessionProviderProps,
  useOwnSessionManager,
  useSession,
  useSessionManager,
  useSessionSnapshot,
} from '../../src/react/index';

/** What a session badge shows: the status, the session id, the customer. */
export function SessionBadge({ snapshot }: { snapshot: ReturnType<typeof useSession> }) {
  return (
    <p>
      <output data-field="status">{snapshot.status}</output>
      <output data-field="session">{snapshot.session?.sessionId ?? ''}</output>
      <output data-field="customer">{snapshot.session?.customerId ?? ''}</output>
    </p>
  );
}

function ProvidedBadge() {
  return <SessionBadge snapshot={useSession()} />;
}

/** Hands the test each manager the components below the provider were given. */
function Witness({ onManager }: { onManager: ((manager: SessionManager | null) => void) | undefined }) {
  const manager = useSessionManager();
  useEffect(() => onManager?.(manager), [manager, onManager]);
  return null;
}

export type AppProps = SessionProviderProps & {
  onManager?: ((manager: SessionManager | null) => void) | undefined;
};

/** A provider with a badge under it: the application the binding's docs show. */
export function App({ onManager, ...options }: AppProps) {
  return (
    <SessionProvider {...options}>
      <ProvidedBadge />
      <Witness onManager={onManager} />
    </SessionProvider>
  );
}

/** One component that owns its manager, without a provider. */
export function OwnWidget({
  onManager,
  ...options
}: SessionManagerOptions & { onManager?: ((manager: SessionManager | null) => void) | undefined }) {
  const manager = useOwnSessionManager(options);
  useEffect(() => onManager?.(manager), [manager, onManager]);
  return <SessionBadge snapshot={useSessionSnapshot(manager)} />;
}
