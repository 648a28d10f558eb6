import { type FieldValues, type SyncedField, syncedFields } from './outbox.js';
import type { SessionInfo } from './schemas.js';

/** Small pure helpers over the identity and visit values a session carries. */

/** The synced fields of `source` that are set. */
export function pickValues(source: { [K in SyncedField]?: string | undefined }): FieldValues {
  const values: FieldValues = {};
  for (const field of syncedFields) {
    const value = source[field];
    if (typeof value === 'string') values[field] = value;
  }
  return values;
}

/** The fields of `wanted` whose value `session` does not hold. */
export function missingValues(session: SessionInfo, wanted: FieldValues): FieldValues {
  const missing: FieldValues = {};
  for (const field of syncedFields) {
    const value = wanted[field];
    if (value !== undefined && session[field] !== value) missing[field] = value;
  }
  return missing;
}

export function isEmpty(values: FieldValues): boolean {
  return syncedFields.every((field) => values[field] === undefined);
}

/** The session as shown: what the server acknowledged, with the wanted values over it. */
export function withValues(session: SessionInfo, wanted: FieldValues): SessionInfo {
  const shown: SessionInfo = { ...session };
  for (const field of syncedFields) delete shown[field];
  return { ...shown, ...wanted };
}

export function sameSession(a: SessionInfo | null, b: SessionInfo): boolean {
  return a !== null && a.sessionId === b.sessionId && syncedFields.every((field) => a[field] === b[field]);
}

export function sameValues(a: FieldValues, b: FieldValues): boolean {
  return syncedFields.every((field) => a[field] === b[field]);
}
