import * as z from 'zod/mini';
import type { SessionInfo } from '../types.js';
import { isChangeReason } from './fields.js';

/**
 * Schemas for everything that comes from outside the library's own memory: server answers, stored records
 * and messages from other tabs. Each zod type used costs bundle bytes in every application, so these use few:
 * objects, strings, numbers and one refinement; keys are listed rather than described by enums and records,
 * and null-stripping is a plain function rather than a transform.
 */

/** C0 controls and DEL: never valid in an id, and CR/LF in a header value would split it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
export const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * An id the server issued. `.` and `..` are refused because no encoding keeps them from being read as
 * path segments (`%2e%2e` counts as `..` in the URL standard).
 */
const idSchema = z.string().check(
  z.refine((id) => id !== '' && id !== '.' && id !== '..' && !controlCharacters.test(id), {
    error: ({ input: id }) =>
      id === ''
        ? 'must be a non-empty string'
        : controlCharacters.test(id as string)
          ? 'must not contain control characters'
          : 'must not be "." or ".."',
  }),
);

/** The documented fields; an answer's others are kept as they came. */
const sessionShape = <T extends z.ZodMiniType>(text: T) =>
  z.looseObject({
    sessionId: idSchema,
    customerId: z.optional(text),
    agentId: z.optional(text),
    visitId: z.optional(text),
    globalVisitId: z.optional(text),
  });

/** Optional string fields arrive from some servers as `null`; an absent value is what they mean. */
const answerSchema = sessionShape(z.nullable(z.string()));
/** What the library stored has no nulls: it stored parsed answers. */
const storedSessionSchema = sessionShape(z.string());

/** A server's answer as a SessionInfo, its `null` fields dropped; or zod's description of what is wrong. */
export function parseSessionInfo(
  payload: unknown,
): { data: SessionInfo } | { problem: string; cause: Error } {
  const result = answerSchema.safeParse(payload);
  if (!result.success) return { problem: describeIssues(result.error), cause: result.error };
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result.data)) if (value !== null) data[key] = value;
  return { data: data as SessionInfo };
}

/** The four session fields, each optional: the shape of the record's per-field maps. */
const perField = <T extends z.ZodMiniType>(value: T) =>
  z.object({
    customerId: z.optional(value),
    agentId: z.optional(value),
    visitId: z.optional(value),
    globalVisitId: z.optional(value),
  });

/**
 * The stored record, one per server (`baseUrl` + `tenantId`): see `record.ts` for its meaning. `v` lets
 * a later version recognise, and discard, records it cannot read.
 */
export const storedRecordSchema = z.object({
  v: z.number().check(z.refine((v) => v === 2)),
  session: z.nullable(storedSessionSchema),
  epoch: z.number(),
  stamps: perField(z.number()),
  pending: perField(z.object({ value: z.string(), stamp: z.number(), owner: z.string() })),
  reason: z.string().check(z.refine(isChangeReason)),
  checkedAt: z.number(),
  writers: z.catchall(z.object({}), z.number()),
  savedAt: z.number(),
  // Added after v2 was first written, so optional: a record without them still parses, and an older
  // reader's object schema passes them by.
  bornAt: z.optional(z.number()),
  activeAt: z.optional(z.number()),
  renewed: z.optional(z.number()),
});

/** Describes the problems zod found, each with its path: `sessionId: must be a non-empty string`. */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
