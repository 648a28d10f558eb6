import { type Exchange, type Probe, reason } from './doctorProbe.js';

/**
 * `cors-preflight` and `cors-expose`: the server's CORS answers judged as a browser judges them (the Fetch
 * standard's CORS check and preflight), since the doctor runs in Node where nothing enforces CORS.
 */

/**
 * Sends the preflights a browser sends before the library's Create (PUT) and Update (POST), and reads the
 * CORS headers of an actual answer (`created`, a Create sent with the page's Origin).
 */
export async function checkCors(probe: Probe, created: Exchange, sessionPath: string): Promise<void> {
  const { origin, send, path, report } = probe;
  if (origin === null) {
    report('cors-preflight', 'skip', 'pass --origin <the page origin> to check CORS');
    report('cors-expose', 'skip', 'pass --origin <the page origin> to check CORS');
    return;
  }
  const problems: string[] = [];
  for (const [method, url] of [
    ['PUT', path('/sessions/new')],
    ['POST', path(sessionPath)],
  ] as const) {
    try {
      const answer = await send('OPTIONS', url, {
        headers: {
          'access-control-request-method': method,
          'access-control-request-headers': preflightHeaders.join(','),
        },
      });
      for (const problem of preflightProblems(answer.status, answer.headers, origin, method)) {
        problems.push(`${method} preflight: ${problem}`);
      }
    } catch (error) {
      problems.push(`${method} preflight failed: ${reason(error)}`);
    }
  }
  // A preflight that passes is not enough: the page can read an answer only if that answer allows it too.
  const unreadable = originProblem(created.headers, origin);
  if (unreadable) problems.push(`the answer to PUT /sessions/new carries ${unreadable}`);
  if (problems.length === 0) {
    report(
      'cors-preflight',
      'pass',
      `${origin} may send PUT and POST with content-type, gkc_customerId, gkc_agentId`,
    );
  } else {
    report(
      'cors-preflight',
      'fail',
      problems.join('; '),
      `In the server's CORS settings allow the origin ${origin}, the methods GET, PUT, POST and the headers ` +
        'content-type, gkc_customerId, gkc_agentId, on preflight and actual answers alike; or serve the API ' +
        "under the page's own origin (a reverse-proxy path) and give that path as baseUrl.",
    );
  }

  const exposed = created.headers.get('access-control-expose-headers');
  if (exposesRetryAfter(created.headers)) {
    report('cors-expose', 'pass', `Access-Control-Expose-Headers: ${exposed}`);
  } else {
    report(
      'cors-expose',
      'warn',
      `Retry-After is not exposed (Access-Control-Expose-Headers: ${exposed ?? 'absent'}): the page cannot read it`,
      'Add Retry-After to Access-Control-Expose-Headers, on error answers too (nginx: ' +
        '`add_header Access-Control-Expose-Headers Retry-After always;`); without it the library backs off on ' +
        'its own schedule when the server is busy.',
    );
  }
}

/** The headers the library sends that are not CORS-safelisted, as a browser lists them: lower case, sorted. */
const preflightHeaders = ['content-type', 'gkc_agentid', 'gkc_customerid'] as const;

/** Fetch standard: a preflight never needs to list these; the browser allows them by default. */
const safelistedMethods = new Set(['GET', 'HEAD', 'POST']);

/** Why an actual answer is unreadable to a page on `origin`, or `null` when it is readable. */
function originProblem(headers: Headers, origin: string): string | null {
  const allowed = headers.get('access-control-allow-origin');
  if (allowed === null) return 'no Access-Control-Allow-Origin';
  // The library's session calls carry no credentials, so `*` is enough for them.
  if (allowed.trim() !== '*' && allowed.trim() !== origin) {
    return `Access-Control-Allow-Origin is ${JSON.stringify(allowed)}, not ${origin}`;
  }
  return null;
}

/** What a browser would refuse in a preflight answer for `method` with the library's headers. */
function preflightProblems(status: number, headers: Headers, origin: string, method: string): string[] {
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
function exposesRetryAfter(headers: Headers): boolean {
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
