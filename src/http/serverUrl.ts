import type { ServerLocation } from '../types.js';
import { checkId, describe } from './checks.js';

/** The page's URL; undefined where there is no page (server rendering, a worker without one). */
export function pageUrl(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

/** Whether `baseUrl` needs a page to resolve it: a path (not an absolute URL), where there is none. */
export function needsPage(baseUrl: unknown): boolean {
  return pageUrl() === undefined && typeof baseUrl === 'string' && !URL.canParse(baseUrl.trim());
}

/**
 * Resolves `baseUrl` (absolute, or a path against `page`, the page's URL) and checks `tenantId`.
 * Throws a `TypeError` naming the option.
 */
export function resolveServer(baseUrl: unknown, tenantId: unknown, page = pageUrl()): ServerLocation {
  if (typeof baseUrl !== 'string' && !(baseUrl instanceof URL)) {
    throw new TypeError(`baseUrl is required, got ${describe(baseUrl)}`);
  }
  const text = String(baseUrl).trim();
  if (text === '') throw new TypeError('baseUrl is required, got ""');
  const pageUrl = page;
  let url: URL;
  try {
    url = new URL(text, pageUrl);
  } catch (cause) {
    const why = pageUrl ? 'not a URL' : 'not absolute, and no page to resolve it against';
    throw new TypeError(`baseUrl ${JSON.stringify(text)} is ${why}`, { cause });
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new TypeError(
      `baseUrl must be an http(s) URL without query, fragment or credentials, got ${JSON.stringify(text)}`,
    );
  }
  checkId('tenantId', tenantId);
  const basePath = url.pathname.replace(/\/+$/, '');
  return Object.freeze({
    baseUrl: url.origin + basePath,
    origin: url.origin,
    basePath,
    tenantId: tenantId as string | undefined,
  });
}

/** The URL of `path` under the API root, with `tenantId` when configured. */
export function apiUrl(server: ServerLocation, path: string): URL {
  const url = new URL(server.baseUrl + path);
  if (server.tenantId !== undefined) url.searchParams.set('tenantId', server.tenantId);
  return url;
}

/** Whether `url` is under the API root: same origin, and a path that continues it on a segment boundary. */
export function isUnderServer(server: ServerLocation, url: URL): boolean {
  if (url.origin !== server.origin) return false;
  const path = url.pathname;
  return path === server.basePath || path.startsWith(`${server.basePath}/`);
}
