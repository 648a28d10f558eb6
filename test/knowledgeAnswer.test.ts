// readKnowledgeAnswer over real answers of the stand-in, fetched with manager.fetch under happy-dom.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { HttpError, InvalidResponseError, NetworkError, readKnowledgeAnswer } from '../src/index';
import type { Envelope, Malformation } from '../tools/knowledgeServer';
import { manager } from './helpers/managers';
import { startStandIn } from './helpers/standIn';

const search = (query: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query }),
});

interface SearchAnswer {
  query: string;
  documents: { id: string; title: string }[];
}

/** The stand-in's answer to a search, as manager.fetch gives it. */
async function searchAnswer(options: { envelope?: Envelope; malform?: Malformation } = {}) {
  const { server, baseUrl } = await startStandIn({ envelope: options.envelope ?? 'response' });
  const m = manager({ baseUrl });
  await m.ready();
  if (options.malform) server.faults = { malformNext: { count: 1, kind: options.malform } };
  return m.fetch('kbs/support/search?lang=en', search('reset password'));
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('it resolved'),
    (error: unknown) => error,
  );

describe('readKnowledgeAnswer', () => {
  it.each(['response', 'data', 'bare'] as const)('returns the payload of a %s envelope', async (envelope) => {
    const answer = await readKnowledgeAnswer<SearchAnswer>(await searchAnswer({ envelope }));
    expect(answer.query).toBe('reset password');
    expect(answer.documents[0]).toMatchObject({ id: 'reset-password', title: 'How do I reset my password?' });
  });

  it.each([
    ['code and description', 'response' as const],
    ['status and message (9.x)', 'data' as const],
  ])('rejects an error status with an HttpError carrying the server’s %s', async (_, envelope) => {
    const { baseUrl } = await startStandIn({ envelope });
    const response = await manager({ baseUrl }).fetch('kbs/nowhere/search?lang=en', search('refund'));
    const error = await rejection(readKnowledgeAnswer(response));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 404,
      serverCode: 'KB_NOT_FOUND',
      description: 'Knowledge base nowhere not found',
      retryable: false,
    });
  });

  it('keeps the Retry-After of an error status, as the session calls do', async () => {
    const { server, baseUrl } = await startStandIn();
    const m = manager({ baseUrl });
    await m.ready();
    server.faults = { failNext: { count: 1, status: 503, retryAfter: 2 } };
    const error = await rejection(readKnowledgeAnswer(await m.fetch('kbs/support/top')));
    expect(error).toMatchObject({ code: 'http', status: 503, retryable: true, retryAfterMs: 2000 });
  });

  it('rejects an HTML page answered 200 with an InvalidResponseError that says what came', async () => {
    const error = await rejection(readKnowledgeAnswer(await searchAnswer({ malform: 'login-page' })));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toBe(
      'The answer is not JSON (200, text/html; charset=utf-8, starts "<!doctype html><title>Sign in</title><fo")',
    );
  });

  it('rejects an empty body with an InvalidResponseError that says it was empty', async () => {
    const error = await rejection(readKnowledgeAnswer(await searchAnswer({ malform: 'empty' })));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toBe('The answer is not JSON (200, application/json, empty)');
  });

  it('rejects JSON that is not an object with an InvalidResponseError', async () => {
    // The stand-in answers only objects; a proxy that answers `[]` or `"OK"` is what this stands for.
    const headers = { 'content-type': 'application/json' };
    for (const body of ['[]', '"OK"', 'null']) {
      const error = await rejection(readKnowledgeAnswer(new Response(body, { headers })));
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as Error).message).toBe(
        `The answer is not a JSON object (200, application/json, starts ${JSON.stringify(body)})`,
      );
    }
  });

  it('checks the payload with the parse function given, and types it by that function', async () => {
    const Search = z.object({ documents: z.array(z.object({ id: z.string(), title: z.string() })) });
    const answer = await readKnowledgeAnswer(await searchAnswer({ envelope: 'data' }), Search.parse);
    const first: { id: string; title: string } | undefined = answer.documents[0];
    expect(first?.id).toBe('reset-password');

    const Suggestions = z.object({ suggestions: z.array(z.string()) });
    const error = await rejection(readKnowledgeAnswer(await searchAnswer(), Suggestions.parse));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toBe('The answer does not fit');
    expect((error as Error).cause).toBeInstanceOf(Error); // zod's own account of what is missing
  });

  it('rejects a body that breaks off with a NetworkError, and an abort with its own reason', async () => {
    // As a browser's fetch rejects `text()` when the connection drops after the headers (a TypeError, by the
    // Fetch standard) or when the request's signal aborts (its reason). happy-dom's own Response reports
    // either as an EncodingError, so the failure is written here as a browser gives it.
    const failing = (reason: unknown) =>
      new (class extends Response {
        override text(): Promise<string> {
          return Promise.reject(reason);
        }
      })('{}');
    const broken = await rejection(readKnowledgeAnswer(failing(new TypeError('network error'))));
    expect(broken).toBeInstanceOf(NetworkError);
    expect(broken).toMatchObject({
      message: 'The answer could not be read',
      cause: { message: 'network error' },
    });
    const reason = new DOMException('The user aborted a request.', 'AbortError');
    expect(await rejection(readKnowledgeAnswer(failing(reason)))).toBe(reason);
  });
});
