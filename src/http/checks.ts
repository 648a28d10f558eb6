import {
  type FieldValues,
  identityFields,
  isIdentity,
  type SyncedField,
  syncedFields,
  visitFields,
} from '../core/fields.js';
import { controlCharacters } from '../core/schemas.js';
import type { Identity, VisitData } from '../types.js';

/**
 * Checks the values of `fields` in `source` (options, call arguments): the identity travels in headers, the
 * visit ids in bodies. A `TypeError` names a bad one.
 */
export function checkValues(source: object, fields: readonly SyncedField[] = syncedFields): void {
  for (const field of fields) {
    const value = (source as Record<string, unknown>)[field];
    if (isIdentity(field)) checkHeaderId(field, value);
    else checkId(field, value);
  }
}

/** The fields of `source` among `fields` that are set. */
export function pickValues(
  source: { [K in SyncedField]?: string | undefined },
  fields: readonly SyncedField[] = syncedFields,
): FieldValues {
  const values: FieldValues = {};
  for (const field of fields) {
    const value = source[field];
    if (typeof value === 'string') values[field] = value;
  }
  return values;
}

/** The values of an `update()` argument; a `TypeError` names a bad one. */
export function visitValues(patch: VisitData): FieldValues {
  if (typeof patch !== 'object' || patch === null)
    throw new TypeError('update takes an object { visitId, globalVisitId }');
  checkValues(patch, visitFields);
  return pickValues(patch, visitFields);
}

/** The values of an `identify()` argument; a `TypeError` names a bad one. */
export function identityValues(identity: Identity): FieldValues {
  if (typeof identity !== 'object' || identity === null) throw new TypeError('identity must be an object');
  checkValues(identity, identityFields);
  return pickValues(identity, identityFields);
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

export function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value;
}
