// @vitest-environment node
// The decisions of the session core: what a manager does for each intent, given its state and the store.
import { describe, expect, it } from 'vitest';
import { carried, type Intent, own, plan } from '../src/core/plan';
import { settlement } from '../src/core/settlement';
import type { CoreState } from '../src/core/state';
import { SessionResetError } from '../src/errors';
import { cut, entry, other, ready, record, run, session, starting } from './helpers/core';

const allAlive = () => true;
const noneAlive = () => false;

const establish: Intent = { type: 'establish' };
const deliver: Intent = { type: 'deliver' };
const reset: Intent = { type: 'replace', reason: 'reset' };

describe('plan', () => {
  describe('orphans', () => {
    const orphaned = (more: Partial<CoreState> = {}) =>
      ready(
        session('s1'),
        {},
        {
          pending: { visitId: entry('v', 1100, other), globalVisitId: entry('g', 1200) },
          ...more,
        },
      );

    it('takes over the changes of a gone manager before anything else', () => {
      for (const intent of [establish, deliver, { type: 'lost', sessionId: 's1' } as const, reset]) {
        expect(plan(orphaned(), null, intent, noneAlive)).toEqual({ type: 'take-over', fields: ['visitId'] });
      }
    });

    it('leaves the changes of a manager that still runs to it', () => {
      expect(plan(orphaned(), null, deliver, allAlive)).toMatchObject({
        type: 'send',
        sent: { globalVisitId: entry('g', 1200) },
      });
    });

    it('does not take over for a check, nor while replacing', () => {
      expect(plan(orphaned(), null, { type: 'check', sessionId: 's1', since: 5 }, noneAlive).type).toBe(
        'retrieve',
      );
      const replacing = run(orphaned(), cut('reset', 2000));
      expect(plan(replacing, null, reset, noneAlive).type).toBe('replace');
    });

    it('asks about the owner of each change, not about itself', () => {
      const asked: string[] = [];
      plan(orphaned(), null, deliver, (owner) => {
        asked.push(owner);
        return true;
      });
      expect(asked).toEqual([other]);
    });
  });

  describe('establish', () => {
    it('does nothing with a session', () => {
      expect(plan(ready(session('s1')), null, establish, allAlive)).toEqual({ type: 'none' });
    });

    it('leaves the session to the reset under way here', () => {
      const replacing = run(ready(session('s1')), cut('reset', 2000));
      expect(plan(replacing, null, establish, allAlive)).toEqual({ type: 'none' });
    });

    it('creates a session with the pending values when the store has none', () => {
      const state = starting({
        pending: { customerId: entry('alice', 1100), visitId: entry('v', 1200, other) },
      });
      expect(plan(state, record(), establish, allAlive)).toEqual({
        type: 'create',
        reason: 'created',
        sent: { customerId: entry('alice', 1100), visitId: entry('v', 1200, other) },
      });
      expect(plan(state, null, establish, allAlive).type).toBe('create');
    });

    it('replaces a stored session of another customer, carrying its visit but not its customer', () => {
      const state = starting({ pending: { customerId: entry('bob', 1100) } });
      const stored = record({
        session: session('s1', { customerId: 'alice', agentId: 'ag', visitId: 'v1' }),
        stamps: { visitId: 900, agentId: 800 },
      });
      expect(plan(state, stored, establish, allAlive)).toEqual({
        type: 'replace',
        reason: 'customer-changed',
        sent: {
          customerId: entry('bob', 1100),
          agentId: entry('ag', 800),
          visitId: entry('v1', 900),
        },
      });
    });
  });

  describe('deliver', () => {
    it('establishes first without a session', () => {
      expect(
        plan(starting({ pending: { visitId: entry('v', 1100) } }), null, deliver, allAlive),
      ).toMatchObject({
        type: 'create',
        reason: 'created',
      });
    });

    it('does nothing when it has no changes of its own', () => {
      const state = ready(session('s1'), {}, { pending: { visitId: entry('v', 1100, other) } });
      expect(plan(state, null, deliver, allAlive)).toEqual({ type: 'none' });
    });

    it('sends only its own changes, under the identity it sends or the session holds', () => {
      const state = ready(
        session('s1', { customerId: 'alice', agentId: 'ag' }),
        {},
        {
          pending: {
            visitId: entry('v', 1100),
            globalVisitId: entry('g', 1200, other),
            agentId: entry('ag2', 1300),
          },
        },
      );
      expect(plan(state, null, deliver, allAlive)).toEqual({
        type: 'send',
        sessionId: 's1',
        sent: { visitId: entry('v', 1100), agentId: entry('ag2', 1300) },
        identity: { customerId: 'alice', agentId: 'ag2' },
      });
    });

    it('identifies an anonymous session in place', () => {
      const state = ready(session('s1'), {}, { pending: { customerId: entry('alice', 1100) } });
      expect(plan(state, null, deliver, allAlive)).toMatchObject({
        type: 'send',
        sessionId: 's1',
        identity: { customerId: 'alice' },
      });
    });

    it('never sends one customer’s identity on another’s session: it replaces the session', () => {
      const state = ready(
        session('s1', { customerId: 'alice', visitId: 'v1' }),
        { visitId: 900 },
        {
          pending: { customerId: entry('bob', 1100) },
        },
      );
      expect(plan(state, null, deliver, allAlive)).toEqual({
        type: 'replace',
        reason: 'customer-changed',
        sent: { customerId: entry('bob', 1100), visitId: entry('v1', 900) },
      });
    });

    // Found by the model test: tab B identified bob on s1, which the server had forgotten; 8.5.1 answered
    // with s2, stored with alice's identity from tab A's Update just before. B rightly did not take s2 in,
    // but sent bob on s1 again: 8.5.1 made a third session holding only bob, and s2's visit was lost (or an
    // older value s1 held came back).
    it('never sends on a session the store moved past: another customer’s is replaced, visit and all', () => {
      const state = ready(
        session('s1', { visitId: 'v1' }),
        { visitId: 900 },
        { pending: { customerId: entry('bob', 1300) } },
      );
      const stored = record({
        session: session('s2', { customerId: 'alice', visitId: 'v2' }),
        stamps: { customerId: 1200, visitId: 1200 },
      });
      expect(plan(state, stored, deliver, allAlive)).toEqual({
        type: 'replace',
        reason: 'customer-changed',
        sent: { customerId: entry('bob', 1300), visitId: entry('v2', 1200) },
      });
    });
  });

  describe('check', () => {
    const checked = (checkedAt: number) => ready(session('s1', { customerId: 'alice' }), {}, { checkedAt });

    it('retrieves the session under the identity it was acknowledged with', () => {
      const state = { ...checked(10), pending: { customerId: entry('bob', 1100) } };
      expect(plan(state, null, { type: 'check', sessionId: 's1', since: 50 }, allAlive)).toEqual({
        type: 'retrieve',
        sessionId: 's1',
        identity: { customerId: 'alice' },
      });
    });

    it('does not check again what a manager checked since', () => {
      expect(plan(checked(50), null, { type: 'check', sessionId: 's1', since: 50 }, allAlive)).toEqual({
        type: 'none',
      });
    });

    it('does not check a session it no longer holds', () => {
      expect(plan(checked(0), null, { type: 'check', sessionId: 's0', since: 50 }, allAlive)).toEqual({
        type: 'none',
      });
      expect(plan(starting(), null, { type: 'check', sessionId: 's0', since: 50 }, allAlive)).toEqual({
        type: 'none',
      });
    });
  });

  describe('lost', () => {
    it('recreates the current session with what it held, its identity included', () => {
      const state = ready(
        session('s1', { customerId: 'alice', visitId: 'v1' }),
        { customerId: 800, visitId: 900 },
        {
          pending: { globalVisitId: entry('g', 1100, other) },
        },
      );
      expect(plan(state, null, { type: 'lost', sessionId: 's1' }, allAlive)).toEqual({
        type: 'create',
        reason: 'not-found',
        sent: {
          customerId: entry('alice', 800),
          visitId: entry('v1', 900),
          globalVisitId: entry('g', 1100, other),
        },
      });
    });

    it('does nothing for an id that is no longer current: one recovery per lost session', () => {
      expect(plan(ready(session('s2')), null, { type: 'lost', sessionId: 's1' }, allAlive)).toEqual({
        type: 'none',
      });
      expect(plan(starting(), null, { type: 'lost', sessionId: 's1' }, allAlive)).toEqual({ type: 'none' });
    });
  });

  describe('replace', () => {
    it('always makes a new session, with or without one, even while replacing', () => {
      const states = [ready(session('s1')), starting(), run(ready(session('s1')), cut('reset', 2000))];
      for (const state of states) {
        expect(plan(state, null, reset, allAlive)).toMatchObject({ type: 'replace', reason: 'reset' });
      }
    });

    it('carries the visit of the session it replaces, cut by the reason', () => {
      const state = run(
        ready(session('s1', { customerId: 'alice', agentId: 'ag', visitId: 'v1' }), {}),
        cut('reset', 2000),
      );
      const next = plan(state, null, reset, allAlive);
      expect(next.type === 'replace' && next.sent).toEqual({ visitId: entry('v1', 0) });
    });
  });
});

describe('carried', () => {
  const identified = () =>
    ready(session('s1', { customerId: 'alice', agentId: 'ag', visitId: 'v1', globalVisitId: 'g1' }), {
      customerId: 100,
      agentId: 100,
      visitId: 100,
      globalVisitId: 100,
    });

  it('cuts the identity at a reset and keeps the visit', () => {
    expect(carried(identified(), 'reset')).toEqual({
      visitId: entry('v1', 100),
      globalVisitId: entry('g1', 100),
    });
  });

  it('keeps the new customer and the agent at a customer switch', () => {
    const state = { ...identified(), pending: { customerId: entry('bob', 1100) } };
    expect(carried(state, 'customer-changed')).toEqual({
      customerId: entry('bob', 1100),
      agentId: entry('ag', 100),
      visitId: entry('v1', 100),
      globalVisitId: entry('g1', 100),
    });
  });

  it('keeps the identity when nothing cuts it (a lost session is recreated for the same person)', () => {
    expect(carried(identified())).toMatchObject({
      customerId: entry('alice', 100),
      agentId: entry('ag', 100),
    });
  });

  it('carries a later stored value over an older pending one, and a later pending one over it', () => {
    const state = {
      ...identified(),
      pending: { visitId: entry('pending-old', 150, other), globalVisitId: entry('pending-new', 300, other) },
    };
    const stored = record({
      session: session('s1', { visitId: 'stored', globalVisitId: 'stored' }),
      stamps: { visitId: 200, globalVisitId: 200 },
    });
    const sent = carried(state, undefined, stored);
    expect(sent.visitId).toEqual(entry('stored', 200));
    expect(sent.globalVisitId).toEqual(entry('pending-new', 300, other));
  });

  it('keeps its own session value over an older stored one', () => {
    const stored = record({ session: session('s1', { visitId: 'older' }), stamps: { visitId: 50 } });
    expect(carried(identified(), undefined, stored).visitId).toEqual(entry('v1', 100));
  });

  it('takes no stored identity unless cutting, and never the customer it switches away from', () => {
    const state = ready(session('s1'));
    const stored = record({
      session: session('s1', { customerId: 'alice', agentId: 'ag' }),
      stamps: { customerId: 200, agentId: 200 },
    });
    expect(carried(state, undefined, stored)).toEqual({});
    expect(carried(state, 'customer-changed', stored)).toEqual({ agentId: entry('ag', 200) });
    expect(carried(state, 'reset', stored)).toEqual({});
  });

  it('never carries an identity given before its latest reset, nor another tab’s identity', () => {
    const state = starting({
      resetAt: 2000,
      pending: { customerId: entry('alice', 1900), agentId: entry('ag', 2100, other) },
    });
    expect(carried(state)).toEqual({});
    const after = { ...state, pending: { customerId: entry('bob', 2100) } };
    expect(carried(after)).toEqual({ customerId: entry('bob', 2100) });
  });

  // Found by these tests, fixed: the rule "an identity given before this manager's latest reset is never carried" is applied to
  // pending entries only, not to the identity the current session holds. A Create begun before the reset
  // lands while the reset waits (`established` keeps `replacing` and sets that session, with the customer the
  // reset logged out); if that session is then reported lost, `plan` (lost does not defer to the replacement
  // under way, unlike establish) recreates it with `carried(state)`, sending the logged-out customer on a
  // session created after the reset was called.
  it('never carries the identity of a session acknowledged before its latest reset', () => {
    const state = run(
      ready(session('s0'), {}, { pending: { customerId: entry('alice', 1500) } }),
      cut('reset', 2000),
      {
        type: 'established',
        session: session('s1'),
        sent: { customerId: entry('alice', 1500) },
        reason: 'created',
        epoch: 0,
        now: 2100,
        random: 0,
        at: 0,
      },
    );
    expect(carried(state).customerId).toBeUndefined();
    const next = plan(state, null, { type: 'lost', sessionId: 's1' }, allAlive);
    expect(next.type === 'create' ? next.sent.customerId : undefined).toBeUndefined();
  });

  // Found by the model test: an Update sent before a reset was called reached a forgotten session on 8.5.1,
  // which answered with a new session holding only what the Update sent; the reset then made its successor
  // from that session alone, and the visit of the session it had cut was lost.
  it('carries the visit of the session a reset cut when a session without it landed meanwhile', () => {
    const state = run(ready(session('s1', { visitId: 'v1' }), { visitId: 1100 }), cut('reset', 2000), {
      type: 'established',
      session: session('s2', { customerId: 'alice' }),
      sent: { customerId: entry('alice', 1500) },
      reason: 'replaced',
      epoch: 0,
      now: 2100,
      random: 0,
      at: 0,
    });
    expect(carried(state, 'reset')).toEqual({ visitId: entry('v1', 0) });
    const next = plan(state, null, reset, allAlive);
    expect(next.type === 'replace' && next.sent).toEqual({ visitId: entry('v1', 0) });
  });

  it('carries every tab’s pending visit values: the Create acknowledges them for all', () => {
    const state = starting({
      pending: { visitId: entry('v', 1100, other), globalVisitId: entry('g', 1200) },
    });
    expect(carried(state)).toEqual({ visitId: entry('v', 1100, other), globalVisitId: entry('g', 1200) });
  });

  it('carries what another tab’s reset left to carry when it has no session', () => {
    const state = starting({ phase: { name: 'starting', carry: { visitId: 'v1', agentId: 'ag' } } });
    expect(carried(state)).toEqual({ visitId: entry('v1', 0), agentId: entry('ag', 0) });
  });
});

describe('settlement', () => {
  const waiter = (stamp: number, fields: ('visitId' | 'customerId' | 'globalVisitId')[] = ['visitId']) => ({
    fields,
    stamp,
  });

  it('is done once the session holds the field at the caller’s stamp or later', () => {
    const state = ready(session('s1', { visitId: 'v' }), { visitId: 1200 });
    expect(settlement(state, waiter(1200))).toBe('done');
    expect(settlement(state, waiter(1100))).toBe('done');
    expect(settlement(state, waiter(1300))).toBe('pending');
  });

  it('waits for every field the caller changed', () => {
    const state = ready(session('s1'), { visitId: 1200 });
    expect(settlement(state, waiter(1200, ['visitId', 'globalVisitId']))).toBe('pending');
  });

  it('is done when a later value was acknowledged on a session not taken in here', () => {
    const state = ready(session('s1'), {}, { settledAt: { visitId: 1300 } });
    expect(settlement(state, waiter(1200))).toBe('done');
  });

  it('stays pending without a session, whatever was settled elsewhere', () => {
    expect(settlement(starting({ settledAt: { visitId: 1300 } }), waiter(1200))).toBe('pending');
  });

  it('rejects a change refused, or superseded by one refused', () => {
    const error = new Error('400');
    const state = ready(session('s1'), { visitId: 1200 }, { refusals: { visitId: { stamp: 1200, error } } });
    expect(settlement(state, waiter(1200))).toEqual({ error });
    expect(settlement(state, waiter(1100))).toEqual({ error });
  });

  it('does not reject a change made after the refused one', () => {
    const state = ready(
      session('s1'),
      { visitId: 1100 },
      {
        refusals: { visitId: { stamp: 1100, error: new Error('400') } },
      },
    );
    expect(settlement(state, waiter(1200))).toBe('pending');
  });

  it('lets a later acknowledged change win over an older refusal', () => {
    const state = ready(
      session('s1'),
      { visitId: 1300 },
      {
        refusals: { visitId: { stamp: 1200, error: new Error('400') } },
      },
    );
    expect(settlement(state, waiter(1100))).toBe('done');
  });

  it('rejects an identity a reset cut, with or without a session', () => {
    const state = run(
      ready(session('s1'), {}, { pending: { customerId: entry('alice', 1100) } }),
      cut('reset', 2000),
    );
    expect(settlement(state, waiter(1100, ['customerId']))).toEqual({ error: expect.any(SessionResetError) });
  });
});

describe('own', () => {
  it('is this manager’s pending changes, and only those', () => {
    const state = starting({
      pending: {
        visitId: entry('v', 1100),
        globalVisitId: entry('g', 1200, other),
        customerId: entry('c', 1300),
      },
    });
    expect(own(state)).toEqual({ visitId: entry('v', 1100), customerId: entry('c', 1300) });
    expect(own(starting())).toEqual({});
  });
});
