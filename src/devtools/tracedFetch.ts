import type { Send } from './registry.js';
import { answeredSessionId, describeRequest } from './requests.js';
import type { TraceRequestRow } from './types.js';

/** A request row but for where it comes from (tab and manager), which the panel adds. */
export type RequestFacts = Omit<TraceRequestRow, 'kind' | 'tab' | 'manager'>;

/** The wall clock that every tab of the browser shares, as finely as the page's clock gives it. */
export const now = (): number => performance.timeOrigin + performance.now();

/**
 * Sends one request of a manager's through its transport and records it: the call, the session it carried,
 * the status (or the failure's name) and how long until the answer's headers. `base` is the manager's API
 * root. What the transport answers or throws reaches the manager unchanged (a Create's answer as an equal
 * copy, see below).
 */
export async function tracedFetch(
  base: string | undefined,
  send: Send,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  record: (row: RequestFacts) => void,
): Promise<Response> {
  const shape = describeRequest(input, init, base);
  const at = now();
  let answer: Response;
  try {
    answer = await send(input, init);
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    const failure = typeof name === 'string' ? name : String(error);
    record({ ...shape, at, status: null, durationMs: now() - at, error: failure });
    throw error;
  }
  const row = { ...shape, at, status: answer.status, durationMs: now() - at, error: null };
  if (shape.call !== 'create' || !answer.ok) {
    record(row);
    return answer;
  }
  // A Create carries no session: the one it made is in its answer. The manager gets an equal answer over the
  // text read here, as the library's own fetch does: happy-dom's `clone()` empties both copies, and
  // applications test their widgets under happy-dom.
  const text = await answer.text();
  record({ ...row, sessionId: answeredSessionId(text) });
  const { status, statusText, headers, url } = answer;
  const copy = new Response(text, { status, statusText, headers });
  Object.defineProperty(copy, 'url', { value: url });
  return copy;
}
