import type { SessionChangeReason } from '../types.js';

/**
 * The session's fields and the rules about them, each written once: which fields the manager keeps in step
 * with the server, which of them are identity, what a reset or a customer switch cuts.
 */

/** The values the manager keeps in step with the server through Updates. */
export const syncedFields = ['customerId', 'agentId', 'visitId', 'globalVisitId'] as const;
export type SyncedField = (typeof syncedFields)[number];
export type FieldValues = Partial<Record<SyncedField, string>>;
/** Who the session is for: sent in the `gkc_customerId` and `gkc_agentId` headers. */
export const identityFields = ['customerId', 'agentId'] as const satisfies readonly SyncedField[];
/** The visit ids: sent in the body of Create and Update (the identity goes in headers). */
export const visitFields = ['visitId', 'globalVisitId'] as const satisfies readonly SyncedField[];

export function isIdentity(field: SyncedField): boolean {
  return (identityFields as readonly SyncedField[]).includes(field);
}

/** What ends the session for its person: a reset (logout), or a switch to another customer. */
export type CutReason = 'reset' | 'customer-changed';

/** Whether `reason` cuts `field`: a reset cuts the customer and the agent, a switch only the customer. */
export function cuts(reason: CutReason, field: SyncedField): boolean {
  return field === 'customerId' || (reason === 'reset' && field === 'agentId');
}

/**
 * One customer's session is never reused for another: whether a session that belongs to `holder` (undefined
 * for an anonymous one) may serve `wanted`.
 */
export function servesCustomer(holder: string | undefined, wanted: string | undefined): boolean {
  return wanted === undefined || holder === undefined || holder === wanted;
}

/** Every change reason, checked against the public type by the compiler: a stored record's must be one. */
const reasons: Record<SessionChangeReason, true> = {
  restored: true,
  created: true,
  replaced: true,
  'not-found': true,
  identified: true,
  'customer-changed': true,
  reset: true,
  updated: true,
  expired: true,
};

export function isChangeReason(value: string): value is SessionChangeReason {
  return Object.hasOwn(reasons, value);
}
