import * as z from 'zod/mini';
import { sessionChangeReasons } from './sessionState.js';

/**
 * Schemas for everything that comes from outside the library's own memory: server answers, stored records
 * and messages from other tabs. `zod/mini` keeps this to a few KB; its default messages are terse, so each
 * check names its own problem.
 */

/** C0 controls and DEL: never valid in an id, and CR/LF in a header value would split it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
export const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * An id the server issued. `.` and `..` are refused because no encoding keeps them from being read as
 * path segments (`%2e%2e` counts as `..` in the URL standard).
 */
const idSchema = z.string().check(
  z.minLength(1, { error: 'must be a non-empty string' }),
  z.refine((id) => !controlCharacters.test(id), { error: 'must not contain control characters' }),
  z.refine((id) => id !== '.' && id !== '..', { error: 'must not be "." or ".."' }),
);

/**
 * Optional string fields arrive from some servers as `null`; an absent value is what they mean.
 * The transform below drops those keys, so the parsed object holds strings or nothing.
 */
const optionalString = z.optional(z.nullable(z.string()));

const rawSessionInfoSchema = z.looseObject({
  sessionId: idSchema,
  customerId: optionalString,
  agentId: optionalString,
  visitId: optionalString,
  globalVisitId: optionalString,
});

/** The session as the server describes it. Unknown fields are kept. */
export interface SessionInfo {
  sessionId: string;
  customerId?: string;
  agentId?: string;
  visitId?: string;
  globalVisitId?: string;
  /** Fields the server added beyond the documented ones are kept as they came. */
  [field: string]: unknown;
}

export const sessionInfoSchema = z.pipe(
  rawSessionInfoSchema,
  z.transform((info): SessionInfo => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(info)) if (value !== null) out[key] = value;
    return out as SessionInfo;
  }),
);

const stamp = z.number();
const pendingChange = z.object({ value: z.string(), stamp, owner: z.string() });

/**
 * The stored record, one per server (`baseUrl` + `tenantId`): see `sessionRecord.ts` for its meaning. `v` lets
 * a later version recognise, and discard, records it cannot read.
 */
export const storedRecordSchema = z.object({
  v: z.literal(2),
  session: z.nullable(sessionInfoSchema),
  epoch: z.number(),
  stamps: z.partialRecord(z.enum(['customerId', 'agentId', 'visitId', 'globalVisitId']), stamp),
  pending: z.partialRecord(z.enum(['customerId', 'agentId', 'visitId', 'globalVisitId']), pendingChange),
  reason: z.enum(sessionChangeReasons),
  checkedAt: z.number(),
  writers: z.record(z.string(), z.number()),
  savedAt: z.number(),
});

/** Describes the problems zod found, each with its path: `sessionId: must be a non-empty string`. */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
