import { type FieldValues, type SyncedField, syncedFields } from './sessionRecord.js';

/** The synced fields of `source` that are set. */
export function pickValues(source: { [K in SyncedField]?: string | undefined }): FieldValues {
  const values: FieldValues = {};
  for (const field of syncedFields) {
    const value = source[field];
    if (typeof value === 'string') values[field] = value;
  }
  return values;
}
