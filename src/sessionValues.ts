import { checkHeaderId, checkId } from './serverUrl.js';
import type { Identity, VisitData } from './sessionClient.js';
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

/** The values of an `update()` argument; a `TypeError` names a bad one. */
export function visitValues(patch: VisitData): FieldValues {
  if (typeof patch !== 'object' || patch === null)
    throw new TypeError('update takes an object { visitId, globalVisitId }');
  checkId('visitId', patch.visitId);
  checkId('globalVisitId', patch.globalVisitId);
  return pickValues({ visitId: patch.visitId, globalVisitId: patch.globalVisitId });
}

/** The values of an `identify()` argument; a `TypeError` names a bad one. */
export function identityValues(identity: Identity): FieldValues {
  if (typeof identity !== 'object' || identity === null) throw new TypeError('identity must be an object');
  checkHeaderId('customerId', identity.customerId);
  checkHeaderId('agentId', identity.agentId);
  return pickValues({ customerId: identity.customerId, agentId: identity.agentId });
}
