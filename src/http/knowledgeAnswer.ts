import { InvalidResponseError, NetworkError } from '../errors.js';
import { errorFromAnswer, isRecord, parseJson, unwrapEnvelope, whatCame } from './exchange.js';

/**
 * Reads the payload of a Knowledge API answer (the Response of `manager.fetch`, or of any fetch to the
 * Knowledge Center) out of whichever envelope the server uses: the documented `{"response": {...}}`, 9.x's
 * `{"status": ..., "data": {...}}`, or the bare object, as the session calls do.
 *
 * Rejects with a `SessionError`, as the session calls would for the same answer: an error status is an
 * `HttpError` with the status and the server's code and description (whatever their key names); a body that is
 * not a JSON object (a proxy's HTML page, an empty body) is an `InvalidResponseError` that says what came:
 * status, content type and the start of the body; a body that breaks off is a `NetworkError`. An abort of the
 * request's signal rejects with its reason, as `response.json()` would. The body is read whole: unlike the
 * session calls' answers, a document may be large.
 *
 * @param response An answer whose body has not been read yet (a `TypeError` otherwise).
 * @param parse Checks the payload and returns it typed, throwing when it does not fit: a zod/mini schema's
 *   `parse`, or a function of your own. What it throws becomes the `cause` of an `InvalidResponseError`.
 *   Without it, the payload is returned unchecked, typed as you say.
 * @example
 * const response = await manager.fetch('kbs/_dflt/search?lang=en', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ query: 'reset password' }),
 * });
 * const { documents } = await readKnowledgeAnswer<{ documents: { id: string; title: string }[] }>(response);
 *
 * // Checked: a payload without `documents` rejects with an InvalidResponseError.
 * const Search = z.object({ documents: z.array(z.object({ id: z.string(), title: z.string() })) });
 * const checked = await readKnowledgeAnswer(response, Search.parse);
 */
export async function readKnowledgeAnswer<T = Record<string, unknown>>(
  response: Response,
  parse?: (payload: unknown) => T,
): Promise<T> {
  const text = await response.text().catch((cause: unknown) => {
    // fetch says TypeError for a body that breaks off (or was read already); an abort's reason is kept as is.
    throw cause instanceof TypeError ? new NetworkError('The answer could not be read', { cause }) : cause;
  });
  if (!response.ok) throw errorFromAnswer(response, text, undefined);
  const body = parseJson(text, response);
  if (!isRecord(body)) {
    throw new InvalidResponseError(`The answer is not a JSON object ${whatCame(response, text)}`);
  }
  const payload = unwrapEnvelope(body);
  if (!parse) return payload as T;
  try {
    return parse(payload);
  } catch (cause) {
    throw new InvalidResponseError('The answer does not fit', { cause });
  }
}
