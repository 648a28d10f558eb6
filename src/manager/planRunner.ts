import { syncedFields } from '../core/fields.js';
import { type Intent, own, type Plan, plan } from '../core/plan.js';
import { type PendingChanges, type StoredRecord, valuesOf } from '../core/record.js';
import { recordWriteOf } from '../core/recordWrite.js';
import { reduce } from '../core/reduce.js';
import type { CoreEvent, CoreState } from '../core/state.js';
import { isSessionError, isSessionErrorWithCode, toError } from '../errors.js';
import { resolveRetryPolicy } from '../http/retryPolicy.js';
import { entropy, preciseNow, wallNow } from '../io/clock.js';
import type { HubMember, SessionHub } from '../io/hub.js';
import type { SessionChangeReason, SessionClient, SessionInfo } from '../types.js';

/**
 * Carrying out a plan (core/plan.ts): the server call it needs, then its outcome stored, told to the other
 * managers and dispatched. Runs under the cross-tab lock, for the driver (driver.ts).
 */
export interface PlanContext {
  /** The manager, as its hub knows it: what it posts does not come back to it. */
  readonly member: HubMember;
  readonly owner: string;
  readonly hub: SessionHub;
  readonly client: SessionClient;
  /** Aborted by `destroy()`. */
  readonly signal: AbortSignal;
  readonly state: CoreState;
  dispatch(event: CoreEvent): void;
  throwIfDestroyed(): void;
}

/** Within a mutation, query-core does the retrying: each Update is one try. */
const once = resolveRetryPolicy(false);

/**
 * Reads the store afresh (the lock is held) and carries out the plans for `intent` until none is left. A
 * session found lost on the way is recovered first, in the same hold of the lock.
 */
export async function runPlans(driver: PlanContext, intent: Intent): Promise<void> {
  const { hub } = driver;
  driver.throwIfDestroyed();
  let record = await hub.read();
  driver.throwIfDestroyed();
  const intents = [intent];
  // What the store holds is taken in once per record: the fresh read, then each write's merged result.
  let absorbed: StoredRecord | null | undefined;
  const absorb = () => {
    if (record !== absorbed) driver.dispatch({ type: 'record', record, remote: true, at: wallNow() });
    absorbed = record;
  };
  // Each plan moves the state on (a session, an acknowledgement, a check); the bound is a safety net.
  for (let step = 0; step < 12 && intents.length > 0; step++) {
    absorb();
    const owners = syncedFields.flatMap((field) => driver.state.pending[field]?.owner ?? []);
    const alive = await hub.alive(owners);
    driver.throwIfDestroyed();
    const intent = intents[intents.length - 1] as Intent;
    const next = plan(driver.state, record, intent, (owner) => alive.has(owner), wallNow());
    if (next.type === 'none') {
      intents.pop();
      continue;
    }
    const outcome = await carryOut(driver, next, record);
    driver.throwIfDestroyed();
    // A replacement answers its intent once made: planning it again would make another.
    if (next.type === 'replace') intents.pop();
    if (outcome.lost) intents.push({ type: 'lost', sessionId: outcome.lost });
    record = outcome.record;
  }
  // The last write merged with the store: what it holds now (a newer epoch, say) is taken in.
  absorb();
}

/** One plan's I/O, its outcome fed back as events: stored, told, shown, settled, in that order. */
export async function carryOut(
  driver: PlanContext,
  next: Exclude<Plan, { type: 'none' }>,
  record: StoredRecord | null,
): Promise<{ record: StoredRecord | null; lost?: string }> {
  const { hub, client, signal } = driver;
  switch (next.type) {
    case 'take-over':
      driver.dispatch({ type: 'took-over', fields: next.fields });
      return { record: await commit(driver, null) };
    case 'create': {
      return { record: await create(driver, next, driver.state.epoch ?? record?.epoch ?? 0) };
    }
    case 'replace': {
      if (driver.state.phase.name !== 'replacing')
        driver.dispatch({ type: 'cut', reason: next.reason, now: preciseNow() });
      const epoch = Math.max(record?.epoch ?? 0, driver.state.epoch ?? 0) + 1;
      driver.dispatch({ type: 'forgotten', reason: next.reason, epoch, carry: next.sent });
      // Forgotten in every tab before the Create: no request goes out under it for the wrong person.
      const forgotten = await hub.write({
        owner: driver.owner,
        clock: driver.state.clock,
        epoch,
        pending: own(driver.state),
        session: { session: null, stamps: {}, reason: next.reason, checkedAt: 0, bornAt: 0 },
      });
      hub.post(driver.member, { type: 'record', record: forgotten });
      return { record: await create(driver, next, epoch) };
    }
    case 'renew':
      // Left here at once (ready() waits for the successor); the other tabs find it past its lifetime too.
      driver.dispatch({ type: 'expired' });
      try {
        return { record: await create(driver, { ...next, reason: 'expired' }, driver.state.epoch ?? 0) };
      } catch (error) {
        // No session is left to use: the next use starts afresh rather than wait on this renewal.
        driver.dispatch({ type: 'failed', error: toError(error) });
        throw error;
      }
    case 'retrieve': {
      let answer: SessionInfo;
      try {
        answer = await client.retrieve(next.sessionId, next.identity, { signal });
      } catch (error) {
        if (isSessionErrorWithCode(error, 'session-not-found')) return { record, lost: next.sessionId };
        throw error;
      }
      if (answer.sessionId === next.sessionId)
        return { record: await commit(driver, { type: 'checked', session: answer, now: Date.now() }) };
      // 9.x and 8.5.0 answer an unknown id with a session they created: that one is adopted.
      return { record: await commit(driver, replaced(driver, answer, {})) };
    }
    case 'send': {
      let answer: SessionInfo;
      try {
        const values = { ...valuesOf(next.sent), ...next.identity };
        answer = await client.update(next.sessionId, values, { signal, retry: once });
      } catch (error) {
        if (isSessionErrorWithCode(error, 'session-not-found')) return { record, lost: next.sessionId };
        if (!signal.aborted && !(isSessionError(error) && error.retryable)) {
          await commit(driver, { type: 'refused', sent: next.sent, error: toError(error) });
        }
        throw error;
      }
      // 8.5.1 answers an Update of an unknown id with a session it created, holding the data.
      const event: CoreEvent =
        answer.sessionId === next.sessionId
          ? { type: 'acknowledged', session: answer, sent: next.sent }
          : replaced(driver, answer, next.sent);
      return { record: await commit(driver, event) };
    }
  }
}

/** A Create with what the plan carries, its session established at `epoch`. */
async function create(
  driver: PlanContext,
  next: { reason: SessionChangeReason; sent: PendingChanges },
  epoch: number,
): Promise<StoredRecord> {
  const answer = await driver.client.create(valuesOf(next.sent), { signal: driver.signal });
  return commit(driver, {
    type: 'established',
    session: answer,
    sent: next.sent,
    reason: next.reason,
    epoch,
    ...entropy(),
    at: wallNow(),
  });
}

/** The server put `answer` in place of the session: adopted, and what it lacks is sent again. */
function replaced(driver: PlanContext, answer: SessionInfo, sent: PendingChanges): CoreEvent {
  return {
    type: 'established',
    session: answer,
    sent,
    reason: 'replaced',
    epoch: driver.state.epoch ?? 0,
    ...entropy(),
    at: wallNow(),
  };
}

/**
 * Stores the outcome of `event` (lock held, so the session goes with it), tells the other managers, then
 * dispatches it: a caller resolved by it finds the store and every tab already up to date.
 */
export async function commit(driver: PlanContext, event: CoreEvent | null): Promise<StoredRecord> {
  const { hub } = driver;
  const preview = event ? reduce(driver.state, event) : driver.state;
  const record = await hub.write(recordWriteOf(driver.owner, preview, true));
  driver.throwIfDestroyed();
  hub.post(driver.member, { type: 'record', record });
  if (event) driver.dispatch(event);
  return record;
}
