import { readErrorBody } from '../src/http/exchange.js';
import { apiUrl, resolveServer } from '../src/http/serverUrl.js';
import {
  describeBody,
  describeError,
  type Exchange,
  type Probe,
  readSession,
  reason,
} from './doctorProbe.js';

/**
 * `reachable`'s first question: is the URL the Knowledge Center REST root at all? The Create is the one call
 * that exists under every root, needs no session and cannot be "not found" for what it names, so a 404 to
 * it says that no route `PUT /sessions/new` lives under the URL, whatever the body: a server's own JSON 404
 * (Spring, a gateway, the stand-in), a web server's page, plain text, or nothing. That is told apart from a
 * root that is right but refuses the call (a 400, 401 or 403, a Knowledge Center's coded error), which
 * `create` and `tenant` explain. The one 404 a real root gives to a Create is about the tenant (9.x:
 * `TENANT_NOT_FOUND`); it stays `create`'s.
 */

/** Whether the Create's answer says the URL is not the REST root (see the module comment). */
export function isNotTheRoot(answer: Exchange): boolean {
  return answer.status === 404 && !saysTenant(answer);
}

/** Whether the server's code or description is about the tenant (`TENANT_REQUIRED`, "Tenant x not found"). */
export function saysTenant(answer: Exchange): boolean {
  const said = readErrorBody(answer.text);
  return /tenant/i.test(`${said.code ?? ''} ${said.description ?? ''}`);
}

/**
 * What the wrong root answered, in the server's own words when it gave any (`404 NOT_FOUND No such call
 * (application/json)`), else the body's type and start. A code that only repeats the status (Spring's
 * `{"status": 404, "error": "Not Found"}`) is left out.
 */
export function describeNotFound(answer: Exchange): string {
  const said = readErrorBody(answer.text);
  const code = said.code === String(answer.status) ? undefined : said.code;
  const words = [code, said.description].filter((word) => word !== undefined).join(' ');
  return words
    ? `${answer.status} ${words} (${describeBody(answer)})`
    : `${answer.status} ${describeBody(answer)}`;
}

/**
 * The fix for a URL that is not the REST root. Where the URL suggests a likelier root (`/gks-server/v1` in
 * place of `/gks-server/v2`, below the host root, above `/gks-server/v1/sessions`), one Create there, with
 * the same tenant, tells whether it is the root; only a root that answered is named, so the fix never sends
 * the user to a second wrong URL. That Create makes at most one session, and only when the first made none.
 */
export async function wrongRootFix(probe: Probe): Promise<string> {
  const { server, send } = probe;
  const candidate = likelyRoot(server.origin, server.basePath);
  const usual =
    `Give the REST root, the path under which PUT /sessions/new answers: /gks-server/v1 on a default install ` +
    `(${server.origin}/gks-server/v1 on this host), or the path a proxy maps to the Knowledge Center Server.`;
  if (candidate === null) return usual;
  let answer: Exchange;
  try {
    answer = await send('PUT', apiUrl(resolveServer(candidate, server.tenantId), '/sessions/new'), {
      body: {},
    });
  } catch (error) {
    return `${usual} ${candidate} was tried too: ${reason(error)}.`;
  }
  const give = "give it as the doctor's first argument and as the library's baseUrl.";
  if (readSession(answer).ok) return `${candidate} answers the Create with a session: ${give}`;
  const said = readErrorBody(answer.text);
  const coded = said.code !== undefined || said.description !== undefined;
  if (answer.status >= 400 && answer.status < 500 && coded && !isNotTheRoot(answer)) {
    return `${candidate} answers the Create as a Knowledge Center does (${describeError(answer)}): ${give}`;
  }
  return `${usual} ${candidate} was tried too: it answered ${describeNotFound(answer)}.`;
}

/**
 * The default install's root beside what was given: the path up to its `gks-server` segment with `/v1`
 * after it, or `/gks-server/v1` under the given path when it has none. `null` when that is the URL given.
 */
function likelyRoot(origin: string, basePath: string): string | null {
  const segments = basePath.split('/').filter((segment) => segment !== '');
  const at = segments.indexOf('gks-server');
  const prefix = at === -1 ? segments : segments.slice(0, at);
  const path = `/${[...prefix, 'gks-server', 'v1'].join('/')}`;
  return path === basePath ? null : origin + path;
}
