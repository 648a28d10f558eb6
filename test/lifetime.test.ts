// @vitest-environment node
// A session's lifetime, decided by pure functions: when a session has expired, when a use is recorded, and
// how the core takes in, plans and stores a session past its lifetime.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { activityDue, expired, expiredAt, type Lifetime, timesOf } from '../src/core/lifetime';
import { plan } from '../src/core/plan';
import { mergeRecord } from '../src/core/record';
import { reduce } from '../src/core/reduce';
import { storedRecordSchema } from '../src/core/schemas';
import type { CoreEvent, CoreState } from '../src/core/state';
import { traceOf } from '../src/core/trace';
import { entry, idle, other, ready, record, run, session, starting } from './helpers/core';

const minute = 60_000;
/** PostHog's rotation: 30 minutes idle, 24 hours in all. */
const lifetime: Lifetime = { idleMs: 30 * minute, maxAgeMs: 24 * 60 * minute };
const idleOnly: Lifetime = { idleMs: 30 * minute, maxAgeMs: Number.POSITIVE_INFINITY };
const ageOnly: Lifetime = { idleMs: Number.POSITIVE_INFINITY, maxAgeMs: 24 * 60 * minute };
const born = 1_000_000_000;
const times = (bornAt: number, activeAt = bornAt) => ({ bornAt, activeAt });
const allAlive = () => true;
/** The change reasons of the versions before lifetimes. */
const olderReasons = [
  'restored',
  'created',
  'replaced',
  'not-found',
  'identified',
  'customer-changed',
  'reset',
  'updated',
];

describe('expired', () => {
  it('keeps a fresh session', () => {
    expect(expired(times(born), born, lifetime)).toBe(false);
    expect(expired(times(born), born + 29 * minute, lifetime)).toBe(false);
  });

  it('ends a session idle past the timeout, never before it, and within a tenth after it', () => {
    // The recorded use may lag the last one by a tenth of the timeout (one write per tenth).
    expect(expired(times(born), born + 32.9 * minute, idleOnly)).toBe(false);
    expect(expired(times(born), born + 33 * minute, idleOnly)).toBe(true);
  });

  it('ends a session older than the maximum age, however busy', () => {
    const busy = times(born, born + 24 * 60 * minute - 1000);
    expect(expired(busy, born + 24 * 60 * minute - 1, lifetime)).toBe(false);
    expect(expired(busy, born + 24 * 60 * minute, lifetime)).toBe(true);
    expect(expired(busy, born + 24 * 60 * minute, ageOnly)).toBe(true);
  });

  it('keeps a session used in another tab: the recorded activity counts, wherever it was recorded', () => {
    const state = ready(session('s1'), {}, { lifetime, ...times(born) });
    const usedElsewhere = record({
      session: session('s1'),
      bornAt: born,
      activeAt: born + 20 * minute,
      savedAt: 1,
    });
    const now = born + 40 * minute;
    expect(expiredAt(state, now)).toBe(true);
    const heard = reduce(state, { type: 'record', record: usedElsewhere, remote: true, at: now });
    expect(heard.activeAt).toBe(born + 20 * minute);
    expect(expiredAt(heard, now)).toBe(false);
    // An older activity heard later does not move it back.
    const older = record({ session: session('s1'), bornAt: born, activeAt: born + minute, savedAt: 2 });
    expect(reduce(heard, { type: 'record', record: older, remote: true, at: now }).activeAt).toBe(
      born + 20 * minute,
    );
  });

  it('renews a session whose times lie in the future: the clock went back, and the jump cannot be aged', () => {
    // A small step back (an NTP correction) is tolerated: up to a minute, or a tenth of the shorter limit.
    expect(expired(times(born + 30_000), born, lifetime)).toBe(false);
    expect(expired(times(born, born + 59_000), born, lifetime)).toBe(false);
    // An hour back: the session would otherwise live an hour longer.
    expect(expired(times(born + 60 * minute), born, lifetime)).toBe(true);
    expect(expired(times(born, born + 2 * minute), born, lifetime)).toBe(true);
    // Short limits scale the tolerance with them.
    const short = { idleMs: 500, maxAgeMs: 2000 };
    expect(expired(times(born + 40), born, short)).toBe(false);
    expect(expired(times(born + 60), born, short)).toBe(true);
  });

  it('judges nothing without a lifetime or a time', () => {
    const old = ready(session('s1'), {}, times(1));
    expect(expiredAt(old, born)).toBe(false);
    expect(expiredAt({ ...old, lifetime }, undefined)).toBe(false);
    expect(expiredAt({ ...old, lifetime, session: null }, born)).toBe(false);
  });

  it('counts a record of a version without lifetimes as born and used when it was last written', () => {
    expect(timesOf(record({ savedAt: 42 }))).toEqual({ bornAt: 42, activeAt: 42 });
    expect(timesOf(record({ savedAt: 42, bornAt: 7, activeAt: 9 }))).toEqual({ bornAt: 7, activeAt: 9 });
  });
});

describe('activityDue', () => {
  const state = ready(session('s1'), {}, { lifetime, ...times(born) });

  it('records a use once the recorded one is a tenth of the idle timeout old', () => {
    expect(activityDue(state, born + 2.9 * minute)).toBe(false);
    expect(activityDue(state, born + 3 * minute)).toBe(true);
  });

  it('records nothing without an idle timeout, without a session, or for a session past its lifetime', () => {
    expect(activityDue({ ...state, lifetime: ageOnly }, born + 60 * minute)).toBe(false);
    expect(activityDue({ ...state, lifetime: null }, born + 60 * minute)).toBe(false);
    expect(activityDue({ ...state, session: null }, born + 10 * minute)).toBe(false);
    // The use after the limit renews the session instead: recording it would keep the expired one alive.
    expect(activityDue(state, born + 40 * minute)).toBe(false);
  });

  it('records nothing while the clock is behind the recorded use', () => {
    expect(activityDue({ ...state, activeAt: born + 30_000 }, born)).toBe(false);
  });
});

describe('the core, with a lifetime', () => {
  const stored = (more = {}) =>
    record({
      session: session('s1', { customerId: 'alice', visitId: 'v1' }),
      stamps: { customerId: 1100, visitId: 1200 },
      bornAt: born,
      activeAt: born,
      savedAt: 5,
      ...more,
    });
  const restore = (state: CoreState, at: number) =>
    reduce(reduce(state, { type: 'start' }), {
      type: 'record',
      record: stored(),
      remote: false,
      restore: true,
      at,
    });

  it('restores a stored session within its limits', () => {
    const state = restore(idle({ lifetime }), born + minute);
    expect(state.phase.name).toBe('ready');
    expect(state.session?.sessionId).toBe('s1');
    expect(state).toMatchObject({ bornAt: born, activeAt: born });
  });

  it('does not take in a stored session past its limits, and renews it with its identity and visit', () => {
    const at = born + 40 * minute;
    const state = restore(idle({ lifetime }), at);
    expect(state.phase.name).toBe('starting');
    expect(state.session).toBeNull();
    expect(plan(state, stored(), { type: 'establish' }, allAlive, at)).toEqual({
      type: 'renew',
      sent: {
        customerId: { value: 'alice', stamp: 1100, owner: state.owner },
        visitId: { value: 'v1', stamp: 1200, owner: state.owner },
      },
    });
    // Without a time the plan judges no lifetime: the session would be another customer's.
    expect(plan(state, stored(), { type: 'establish' }, allAlive).type).toBe('replace');
  });

  it("never renews another customer's session with its identity", () => {
    const at = born + 40 * minute;
    const bob = restore(starting({ lifetime, pending: { customerId: entry('bob', 1500) } }), at);
    expect(plan(bob, stored(), { type: 'establish' }, allAlive, at)).toMatchObject({
      type: 'replace',
      reason: 'customer-changed',
    });
  });

  it('renews a session it holds once past its limits, for a ready(), a delivery; a check sends nothing', () => {
    const state = ready(session('s1', { visitId: 'v1' }), { visitId: 1200 }, { lifetime, ...times(born) });
    const late = born + 40 * minute;
    expect(plan(state, stored(), { type: 'establish' }, allAlive, born + minute)).toEqual({ type: 'none' });
    expect(plan(state, stored(), { type: 'establish' }, allAlive, late).type).toBe('renew');
    const changed = { ...state, pending: { globalVisitId: entry('g2', 1300, state.owner) } };
    expect(plan(changed, stored(), { type: 'deliver' }, allAlive, born + minute).type).toBe('send');
    expect(plan(changed, stored(), { type: 'deliver' }, allAlive, late)).toMatchObject({
      type: 'renew',
      sent: { visitId: { value: 'v1' }, globalVisitId: { value: 'g2' } },
    });
    expect(plan(state, stored(), { type: 'check', sessionId: 's1', since: 0 }, allAlive, late)).toEqual({
      type: 'none',
    });
  });

  it('switches customer rather than renew when the store moved on to another customer’s successor', () => {
    // This manager's c3 is pending; another tab renewed s1 as s2 for alice, which was not taken in here.
    const state = ready(
      session('s1', { customerId: 'alice' }),
      {},
      {
        lifetime,
        ...times(born),
        pending: { customerId: entry('c3', 1500, 'me') },
      },
    );
    const successor = stored({ session: session('s2', { customerId: 'alice' }), bornAt: born + 40 * minute });
    expect(plan(state, successor, { type: 'establish' }, allAlive, born + 40 * minute)).toMatchObject({
      type: 'replace',
      reason: 'customer-changed',
      sent: { customerId: { value: 'c3' } },
    });
  });

  it("carries another tab's pending visit values into the successor, not its identity", () => {
    const state = ready(
      session('s1'),
      {},
      {
        lifetime,
        ...times(born),
        pending: { visitId: entry('v9', 1400, other), customerId: entry('carol', 1500, other) },
      },
    );
    const next = plan(state, null, { type: 'establish' }, allAlive, born + 40 * minute);
    expect(next.type === 'renew' && next.sent).toEqual({ visitId: entry('v9', 1400, other) });
  });

  const renewal = (state: CoreState, at: number): CoreEvent[] => [
    { type: 'expired' },
    {
      type: 'established',
      session: session('s2'),
      sent: { customerId: entry('alice', 1100) },
      reason: 'expired',
      epoch: state.epoch ?? 0,
      now: 9000,
      random: 0,
      at,
    },
  ];

  it('leaves the expired session at once, then shows its successor, born now, with the reason', () => {
    const state = ready(session('s1', { customerId: 'alice' }), {}, { lifetime, ...times(born) });
    const at = born + 40 * minute;
    const [expiry, established] = renewal(state, at) as [CoreEvent, CoreEvent];
    const left = reduce(state, expiry);
    expect(left.phase).toEqual({
      name: 'replacing',
      reason: 'expired',
      carry: { customerId: 'alice' },
      since: 0,
    });
    expect(left.session).toBeNull();
    expect(traceOf(expiry, left, state)).toMatchObject({
      type: 'expired',
      reason: 'expired',
      sessionId: 's1',
    });
    const next = reduce(left, established);
    expect(next.phase.name).toBe('ready');
    expect(next.change).toEqual({
      reason: 'expired',
      sessionId: 's2',
      previousSessionId: null,
      remote: false,
    });
    expect(next).toMatchObject({
      bornAt: at,
      activeAt: at,
      session: { sessionId: 's2', customerId: 'alice' },
    });
  });

  it('stores the successor so that an older reader can read it, and other tabs say why it changed', () => {
    const state = ready(session('s1'), {}, { lifetime, ...times(born), epoch: 0 });
    const at = born + 40 * minute;
    const next = run(state, ...renewal(state, at));
    const written = mergeRecord(
      stored(),
      {
        owner: next.owner,
        clock: next.clock,
        epoch: 0,
        pending: {},
        session: { session: next.session, stamps: next.stamps, reason: 'expired', checkedAt: 0, bornAt: at },
      },
      10,
    );
    // `expired` is not a reason an older version knows: it would discard the whole record.
    expect(written).toMatchObject({ reason: 'created', renewed: at, bornAt: at, activeAt: at });
    expect(storedRecordSchema.safeParse(written).success).toBe(true);
    // The schema of a version before lifetimes (the same, without the optional times) reads it.
    const { bornAt: _b, activeAt: _a, renewed: _r, ...before } = storedRecordSchema.def.shape;
    const older = z.object({
      ...before,
      reason: z.string().check(z.refine((r) => olderReasons.includes(r))),
    });
    expect(older.safeParse(structuredClone(written)).success).toBe(true);
    const elsewhere = reduce(ready(session('s1'), {}, { lifetime, ...times(born) }), {
      type: 'record',
      record: written,
      remote: true,
      at,
    });
    expect(elsewhere.change).toMatchObject({ reason: 'expired', sessionId: 's2', remote: true });
    expect(elsewhere.bornAt).toBe(at);
  });

  it('records a use only for the session it was made on, and leaves the writer’s changes as stored', () => {
    const base = stored({ pending: { visitId: entry('v2', 1300, 'tab-a') }, writers: { 'tab-a': 1300 } });
    const use = { owner: 'tab-a', clock: 1400, epoch: 0, active: { sessionId: 's1', at: born + 5 * minute } };
    const written = mergeRecord(base, use, 20);
    expect(written.activeAt).toBe(born + 5 * minute);
    expect(written.pending).toEqual(base.pending);
    expect(written.writers).toEqual({ 'tab-a': 1300 });
    expect(
      mergeRecord(base, { ...use, active: { sessionId: 's0', at: born + 9 * minute } }, 20).activeAt,
    ).toBe(born);
    expect(
      mergeRecord(written, { ...use, active: { sessionId: 's1', at: born + minute } }, 21).activeAt,
    ).toBe(born + 5 * minute);
  });
});
