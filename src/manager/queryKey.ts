import { resolveServer } from '../http/serverUrl.js';
import type { ServerLocation } from '../types.js';

/**
 * Where the current SessionInfo lives in the application's QueryClient (the `queryClient` option), so that apps
 * built on TanStack Query read it with their own observers and see it in their devtools.
 *
 * @example
 * const session = queryClient.getQueryData(sessionQueryKey('https://kc.example.com/gks-server/v1'));
 */
export function sessionQueryKey(
  baseUrl: string | URL,
  tenantId?: string,
): readonly ['gkc-session', string, string | null] {
  // The same key however the root is written (a trailing slash, a path against the page).
  return queryKeyOf(resolveServer(baseUrl, tenantId));
}

export function queryKeyOf(server: ServerLocation): readonly ['gkc-session', string, string | null] {
  return ['gkc-session', server.baseUrl, server.tenantId ?? null] as const;
}
