import { checkHeaderId, checkId } from './serverUrl.js';
import type { Identity, VisitData } from './sessionClient.js';
import {
  type FieldValues,
  identityFields,
  isIdentity,
  type SyncedField,
  syncedFields,
  visitFields,
} from './sessionRecord.js';

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
