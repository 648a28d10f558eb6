/**
 * How a browser judges a server's CORS answers (the Fetch standard's CORS check and preflight), so that the
 * doctor, which runs in Node where nothing enforces CORS, reports what a page on `origin` would meet.
 */

/** The headers the library sends that are not CORS-safelisted, as a browser lists them: lower case, sorted. */
export const preflightHeaders = ['content-type', 'gkc_agentid', 'gkc_customerid'] as const;

/** Fetch standard: a preflight never needs to list these; the browser allows them by default. */
const safelistedMethods = new Set(['GET', 'HEAD', 'POST']);

/** Why an actual answer is unreadable to a page on `origin`, or `null` when it is readable. */
export function originProblem(headers: Headers, origin: string): string | null {
  const allowed = headers.get('access-control-allow-origin');
  if (allowed === null) return 'no Access-Control-Allow-Origin';
  // The library's session calls carry no credentials, so `*` is enough for them.
  if (allowed.trim() !== '*' && allowed.trim() !== origin) {
    return `Access-Control-Allow-Origin is ${JSON.stringify(allowed)}, not ${origin}`;
  }
  return null;
}

/** What a browser would refuse in a preflight answer for `method` with the library's headers. */
export function preflightProblems(
  status: number,
  headers: Headers,
  origin: string,
  method: string,
): string[] {
  const problems: string[] = [];
  if (status < 200 || status > 299) problems.push(`the preflight answered ${status}, not 2xx`);
  const origins = originProblem(headers, origin);
  if (origins) problems.push(origins);
  // Methods compare case-sensitively in the Fetch standard: `put` does not allow PUT.
  const methods = listOf(headers.get('access-control-allow-methods'), false);
  if (!safelistedMethods.has(method) && !methods.has('*') && !methods.has(method)) {
    problems.push(
      `${method} is not in Access-Control-Allow-Methods (${headers.get('access-control-allow-methods') ?? 'absent'})`,
    );
  }
  const allowedHeaders = listOf(headers.get('access-control-allow-headers'));
  const missing = preflightHeaders.filter((name) => !allowedHeaders.has('*') && !allowedHeaders.has(name));
  if (missing.length > 0) {
    problems.push(
      `Access-Control-Allow-Headers (${headers.get('access-control-allow-headers') ?? 'absent'}) lacks ${missing.join(', ')}`,
    );
  }
  return problems;
}

/** Whether a page can read `Retry-After` from an answer with these headers. */
export function exposesRetryAfter(headers: Headers): boolean {
  const exposed = listOf(headers.get('access-control-expose-headers'));
  return exposed.has('*') || exposed.has('retry-after');
}

/** A comma-separated header value as a set of tokens, lower-cased for header names (which compare so). */
function listOf(value: string | null, lowerCase = true): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((item) => (lowerCase ? item.trim().toLowerCase() : item.trim()))
      .filter(Boolean),
  );
}
