import { controlCharacters } from './schemas.js';

/**
 * Where the Knowledge Center lives, and which URLs count as "under" it. Resolved once from the options;
 * every request URL is built from it.
 */
export interface ServerLocation {
  /** The API root without a trailing slash, e.g. `https://kc.example.com/gks-server/v1`. */
  readonly baseUrl: string;
  readonly origin: string;
  /** `baseUrl`'s path without a trailing slash (`''` for a root at `/`). */
  readonly basePath: string;
  readonly tenantId: string | undefined;
}

/**
 * Resolves `baseUrl` (absolute, or a path against the page's origin) and checks `tenantId`.
 * Throws a `TypeError` naming the option.
 */
export function resolveServer(baseUrl: unknown, tenantId: unknown): ServerLocation {
  if (typeof baseUrl !== 'string' && !(baseUrl instanceof URL)) {
    throw new TypeError(`baseUrl is required, got ${describe(baseUrl)}`);
  }
  const text = String(baseUrl).trim();
  if (text === '') throw new TypeError('baseUrl is required, got ""');
  const pageUrl = (globalThis as { location?: { href?: string } }).location?.href;
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

/**
 * Checks an optional id the application gave (tenant, customer, agent, visit, session): a string without
 * control characters, which would split a header or corrupt a URL. Throws a `TypeError` naming the field.
 */
export function checkId(field: string, value: unknown): asserts value is string | undefined {
  if (value === undefined) return;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${field} must be a non-empty string, got ${describe(value)}`);
  }
  if (controlCharacters.test(value)) {
    throw new TypeError(`${field} must not contain control characters (CR, LF, NUL...)`);
  }
}

/**
 * Checks an id that travels in a header: besides `checkId`, every character must fit in a byte
 * (ISO-8859-1), or `fetch` itself would throw an unhelpful "invalid header value".
 */
export function checkHeaderId(field: string, value: unknown): asserts value is string | undefined {
  checkId(field, value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range starts at U+0000 on purpose.
  if (value !== undefined && /[^\u0000-\u00ff]/.test(value)) {
    throw new TypeError(`${field} is a header value: ISO-8859-1 characters only`);
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value;
}
