// @vitest-environment node
// The session core, event by event and phase by phase: pure, no I/O, no timers, no managers.
import { describe, expect, it } from 'vitest';
import { belongs } from '../src/core/absorb';
import type { FieldValues } from '../src/core/fields';
import { plan } from '../src/core/plan';
import type { PendingChange, StoredRecord } from '../src/core/record';
import { reduce } from '../src/core/reduce';
import { settlement } from '../src/core/settlement';
import { pendingCount, shownSession, toSnapshot } from '../src/core/snapshot';
import { type CoreEvent, initialState } from '../src/core/state';
import { SessionResetError, StorageError } from '../src/errors';
import { cut, entry, idle, me, other, ready, record, run, session, starting } from './helpers/core';

const recordEvent = (stored: StoredRecord | null, remote = true, restore = false): CoreEvent => ({
  type: 'record',
  record: stored,
  remote,
  restore,
  at: 0,
});
const change = (values: FieldValues, now: number): CoreEvent => ({ type: 'change', values, now, random: 0 });

const everyEvent: CoreEvent[] = [
  { type: 'start' },
  recordEvent(record({ session: session('s9') })),
  change({ visitId: 'v' }, 5000),
  { type: 'acknowledged', session: session('s1'), sent: { visitId: entry('v', 1) } },
  {
    type: 'established',
    session: session('s9'),
    sent: {},
    reason: 'created',
    epoch: 0,
    now: 5000,
    random: 0,
    at: 0,
  },
  { type: 'checked', session: session('s1'), now: 5000 },
  cut('reset', 5000),
  { type: 'forgotten', reason: 'reset', epoch: 3, carry: {} },
  { type: 'refused', sent: { visitId: entry('v', 1) }, error: new Error('no') },
  { type: 'took-over', fields: ['visitId'] },
  { type: 'failed', error: new Error('down') },
  { type: 'storage-failed', error: new StorageError('broken') },
  { type: 'destroyed' },
];

describe('start', () => {
  it('starts from idle and again after a failure', () => {
    expect(reduce(idle(), { type: 'start' }).phase.name).toBe('starting');
    expect(reduce(idle({ phase: { name: 'failed' } }), { type: 'start' }).phase.name).toBe('starting');
  });

  it('leaves a manager that is starting, ready or replacing as it is', () => {
    for (const state of [starting(), ready(session('s1')), run(ready(session('s1')), cut('reset', 2000))]) {
      expect(reduce(state, { type: 'start' })).toBe(state);
    }
  });
});

describe('record', () => {
  it('reads an empty store as epoch 0, once', () => {
    const fresh = { ...initialState(me, {}, 'indexeddb', 1000), epoch: null };
    expect(reduce(fresh, recordEvent(null)).epoch).toBe(0);
    const known = idle({ epoch: 4 });
    expect(reduce(known, recordEvent(null))).toBe(known);
  });

  it('adopts the stored session at start, reported as restored from the store', () => {
    const stored = record({
      session: session('s1', { visitId: 'v1' }),
      stamps: { visitId: 50 },
      checkedAt: 70,
    });
    const state = reduce(starting(), recordEvent(stored, false, true));
    expect(state.phase.name).toBe('ready');
    expect(state.session).toEqual(session('s1', { visitId: 'v1' }));
    expect(state.stamps).toEqual({ visitId: 50 });
    expect(state.checkedAt).toBe(70);
    expect(state.change).toEqual({
      reason: 'restored',
      sessionId: 's1',
      previousSessionId: null,
      remote: false,
    });
  });

  it('adopts a session another tab made, as that tab reported it', () => {
    const stored = record({ session: session('s1'), reason: 'created' });
    const state = reduce(starting(), recordEvent(stored));
    expect(state.change).toEqual({
      reason: 'created',
      sessionId: 's1',
      previousSessionId: null,
      remote: true,
    });
  });

  it('takes the later value of each field of the same session, and reports another tab moving it', () => {
    const state = ready(session('s1', { visitId: 'old', globalVisitId: 'mine' }), {
      visitId: 10,
      globalVisitId: 30,
    });
    const stored = record({
      session: session('s1', { visitId: 'new', globalVisitId: 'stale' }),
      stamps: { visitId: 20, globalVisitId: 5 },
    });
    const next = reduce(state, recordEvent(stored));
    expect(next.session).toEqual(session('s1', { visitId: 'new', globalVisitId: 'mine' }));
    expect(next.stamps).toEqual({ visitId: 20, globalVisitId: 30 });
    expect(next.change).toMatchObject({ reason: 'updated', sessionId: 's1', remote: true });
  });

  it('reports an identity another tab gave the same session as identified', () => {
    const state = ready(session('s1'));
    const stored = record({ session: session('s1', { customerId: 'alice' }), stamps: { customerId: 20 } });
    expect(reduce(state, recordEvent(stored)).change).toMatchObject({ reason: 'identified', remote: true });
  });

  it('keeps its values and reports nothing when the record of the same session is older', () => {
    const state = ready(session('s1', { visitId: 'mine' }), { visitId: 30 });
    const stored = record({ session: session('s1', { visitId: 'old' }), stamps: { visitId: 10 } });
    const next = reduce(state, recordEvent(stored));
    expect(next.session?.visitId).toBe('mine');
    expect(next.change).toBeNull();
    const before = toSnapshot(state, null);
    expect(toSnapshot(next, before)).toBe(before);
  });

  it('adopts another session of the same epoch that belongs here (another tab recovered)', () => {
    const state = ready(
      session('s1'),
      {},
      { change: { reason: 'created', sessionId: 's1', previousSessionId: null, remote: false } },
    );
    const stored = record({ session: session('s2'), reason: 'not-found' });
    const next = reduce(state, recordEvent(stored));
    expect(next.session?.sessionId).toBe('s2');
    expect(next.change).toEqual({
      reason: 'not-found',
      sessionId: 's2',
      previousSessionId: 's1',
      remote: true,
    });
  });

  // Found by the model test: a tab's message, posted before another tab's write that replaced the session
  // (8.5.1 answering an Update with a new one), arrived after it; the manager went back to the forgotten
  // session, and the next Update there made a third one, without the visit values.
  it('does not go back to a session from a record saved before one it took in (a message overtaken)', () => {
    const moved = reduce(
      ready(session('s1', { visitId: 'v1' }), { visitId: 1100 }),
      recordEvent(record({ session: session('s2', { visitId: 'v1' }), reason: 'replaced', savedAt: 20 })),
    );
    expect(moved.session?.sessionId).toBe('s2');
    const next = reduce(
      moved,
      recordEvent(record({ session: session('s1'), reason: 'created', savedAt: 10 })),
    );
    expect(next.session).toEqual(session('s2', { visitId: 'v1' }));
    expect(next.change).toEqual(moved.change);
    const later = reduce(
      next,
      recordEvent(record({ session: session('s3'), reason: 'not-found', savedAt: 30 })),
    );
    expect(later.session?.sessionId).toBe('s3');
    // A newer epoch is newer whatever the record's time says (a record written without merging).
    const reset = reduce(later, recordEvent(record({ session: session('s4'), epoch: 1, savedAt: 5 })));
    expect(reset.session?.sessionId).toBe('s4');
  });

  it('does not adopt a session of another customer than the one it identifies', () => {
    const state = starting({ pending: { customerId: entry('bob', 1000) } });
    const next = reduce(state, recordEvent(record({ session: session('s1', { customerId: 'alice' }) })));
    expect(next.session).toBeNull();
    expect(next.phase.name).toBe('starting');
    expect(next.pending.customerId).toEqual(entry('bob', 1000));
  });

  it('adopts a customer’s session when the other customer is only pending from another tab', () => {
    const state = starting({ pending: { customerId: entry('bob', 1000, other) } });
    const next = reduce(
      state,
      recordEvent(
        record({
          session: session('s1', { customerId: 'alice' }),
          pending: { customerId: entry('bob', 1000, other) },
        }),
      ),
    );
    expect(next.session?.sessionId).toBe('s1');
  });

  it('cuts the identity a tab gave before a newer epoch, and follows the successor', () => {
    const state = ready(
      session('s1', { customerId: 'alice', agentId: 'ag', visitId: 'v1' }),
      {},
      {
        pending: { agentId: entry('ag2', 1100), globalVisitId: entry('g1', 1200) },
      },
    );
    const forgotten = record({ epoch: 1, reason: 'reset' });
    const next = reduce(state, recordEvent(forgotten));
    expect(next.session).toBeNull();
    expect(next.epoch).toBe(1);
    expect(next.phase).toEqual({ name: 'starting', carry: { visitId: 'v1' } });
    expect(next.pending).toEqual({ globalVisitId: entry('g1', 1200) });
    expect(toSnapshot(next, null)).toMatchObject({ status: 'starting', session: null, pendingUpdates: 1 });
    const outcome = settlement(next, { fields: ['agentId'], stamp: 1100 });
    expect(outcome).toEqual({ error: expect.any(SessionResetError) });

    // The successor arrives: adopted at the new epoch, the visit values still pending.
    const successor = record({ epoch: 1, reason: 'reset', session: session('s2', { visitId: 'v1' }) });
    const after = reduce(next, recordEvent(successor));
    expect(after.phase.name).toBe('ready');
    expect(shownSession(after)).toEqual(session('s2', { visitId: 'v1', globalVisitId: 'g1' }));
  });

  it('keeps the agent across another tab’s customer switch', () => {
    const state = ready(session('s1', { customerId: 'alice', agentId: 'ag', visitId: 'v1' }));
    const next = reduce(state, recordEvent(record({ epoch: 1, reason: 'customer-changed' })));
    expect(next.phase).toEqual({ name: 'starting', carry: { agentId: 'ag', visitId: 'v1' } });
  });

  it('adopts the successor of a newer epoch in the same record', () => {
    const state = ready(
      session('s1', { customerId: 'alice' }),
      {},
      { pending: { customerId: entry('carol', 1100) } },
    );
    const next = reduce(state, recordEvent(record({ epoch: 1, reason: 'reset', session: session('s2') })));
    expect(next.session).toEqual(session('s2'));
    expect(next.pending).toEqual({});
    expect(next.refusals.customerId?.error).toBeInstanceOf(SessionResetError);
  });

  it('takes no identity from a record of an older epoch, only its visit values', () => {
    const state = starting({ epoch: 2 });
    const stale = record({
      epoch: 1,
      pending: { customerId: entry('alice', 1500, other), visitId: entry('v', 1500, other) },
    });
    const next = reduce(state, recordEvent(stale));
    expect(next.pending).toEqual({ visitId: entry('v', 1500, other) });
    expect(next.epoch).toBe(2);
  });

  it('keeps the later of two pending values of a field, and advances its clock past what it saw', () => {
    const state = starting({
      pending: { visitId: entry('mine', 1100), globalVisitId: entry('g-mine', 1300) },
    });
    const stored = record({
      pending: { visitId: entry('theirs', 1200, other), globalVisitId: entry('g-theirs', 1250, other) },
    });
    const next = reduce(state, recordEvent(stored));
    expect(next.pending.visitId).toEqual(entry('theirs', 1200, other));
    expect(next.pending.globalVisitId).toEqual(entry('g-mine', 1300));
    expect(next.clock).toBe(1250);
  });

  it('does not bring back its own change that an older record still holds', () => {
    const state = ready(session('s1', { visitId: 'v' }), { visitId: 1100 });
    const next = reduce(
      state,
      recordEvent(record({ session: session('s1'), pending: { visitId: entry('v', 1100) } })),
    );
    expect(next.pending).toEqual({});
  });

  it('drops the option values the stored session already holds when restoring, and only then', () => {
    const base = {
      ...initialState(me, { visitId: 'v1', globalVisitId: 'g-new' }, 'indexeddb', 1000),
      phase: { name: 'starting' as const },
    };
    const stored = record({
      session: session('s1', { visitId: 'v1', globalVisitId: 'g-old' }),
      stamps: { visitId: 10 },
    });
    const restored = reduce(base, recordEvent(stored, false, true));
    expect(restored.pending).toEqual({ globalVisitId: entry('g-new', 1000) });
    expect(toSnapshot(restored, null).pendingUpdates).toBe(1);
    const followed = reduce(base, recordEvent(stored, true, false));
    expect(Object.keys(followed.pending).sort()).toEqual(['globalVisitId', 'visitId']);
  });

  it('settles an identify made before the store was read when the restored session already holds it', () => {
    // Another tab created the session for bob; this one called identify(bob) before its first read.
    const base = reduce(idle(), change({ customerId: 'bob' }, 2000));
    const stamp = base.clock;
    const stored = record({ session: session('s1', { customerId: 'bob' }), stamps: { customerId: 1000 } });
    const restored = reduce(reduce(base, { type: 'start' }), recordEvent(stored, false, true));
    expect(restored.pending).toEqual({});
    expect(settlement(restored, { fields: ['customerId'], stamp })).toBe('done');
  });

  it('keeps an option value at restore when another tab has a change of that field pending', () => {
    const base = {
      ...initialState(me, { visitId: 'v1' }, 'indexeddb', 1000),
      phase: { name: 'starting' as const },
    };
    const stored = record({
      session: session('s1', { visitId: 'v1' }),
      pending: { visitId: entry('v0', 900, other) },
    });
    expect(reduce(base, recordEvent(stored, false, true)).pending.visitId).toEqual(entry('v1', 1000));
  });

  it('brings a failed manager back to ready on a session another tab stored', () => {
    const failed = reduce(starting(), { type: 'failed', error: new Error('down') });
    const next = reduce(failed, recordEvent(record({ session: session('s1') })));
    expect(toSnapshot(next, null)).toMatchObject({ status: 'ready', session: session('s1') });
  });

  it('settles a change acknowledged on a session it did not take in, once it has a session', () => {
    const replacing = run(ready(session('s0')), change({ visitId: 'v' }, 1200), cut('reset', 2000));
    const seen = reduce(
      replacing,
      recordEvent(record({ session: session('s0', { visitId: 'later' }), stamps: { visitId: 1300 } })),
    );
    expect(seen.session).toBeNull();
    expect(settlement(seen, { fields: ['visitId'], stamp: 1200 })).toBe('pending');
    const next = reduce(seen, {
      type: 'established',
      session: session('s1'),
      sent: {},
      reason: 'reset',
      epoch: 1,
      now: 2100,
      random: 0,
      at: 0,
    });
    expect(settlement(next, { fields: ['visitId'], stamp: 1200 })).toBe('done');
  });

  describe('while replacing', () => {
    const replacing = () =>
      run(
        ready(session('s1', { customerId: 'alice', visitId: 'v1' }), {}, { clock: 1500 }),
        cut('reset', 2000),
      );

    it('does not adopt the session it is replacing', () => {
      const next = reduce(
        replacing(),
        recordEvent(record({ session: session('s1', { customerId: 'alice' }) })),
      );
      expect(next.session).toBeNull();
      expect(next.phase.name).toBe('replacing');
    });

    it('takes no identity given before the reset was called, and takes one given after', () => {
      const before = reduce(
        replacing(),
        recordEvent(record({ pending: { customerId: entry('alice', 1900, other) } })),
      );
      expect(before.pending.customerId).toBeUndefined();
      const after = reduce(
        replacing(),
        recordEvent(record({ pending: { customerId: entry('bob', 2100, other) } })),
      );
      expect(after.pending.customerId).toEqual(entry('bob', 2100, other));
    });

    it('goes on replacing when another tab’s newer epoch reaches it', () => {
      const next = reduce(
        replacing(),
        recordEvent(record({ epoch: 1, reason: 'reset', session: session('s7') })),
      );
      expect(next.phase).toMatchObject({ name: 'replacing', reason: 'reset', since: 2000 });
      expect(next.session).toBeNull();
      expect(next.epoch).toBe(1);
    });
  });

  describe('another owner’s entry missing from its own later write', () => {
    const withTheirs = (field: 'visitId' | 'customerId') =>
      ready(session('s1'), {}, { pending: { [field]: entry('x', 1200, other) } });

    it('is withdrawn when the writer wrote after making it', () => {
      const next = reduce(
        withTheirs('visitId'),
        recordEvent(record({ session: session('s1'), writers: { other: 1250 } })),
      );
      expect(next.pending).toEqual({});
      expect(next.refusals).toEqual({});
    });

    it('is kept when the writer’s last write came before it (still in transit)', () => {
      const next = reduce(
        withTheirs('visitId'),
        recordEvent(record({ session: session('s1'), writers: { other: 1150 } })),
      );
      expect(next.pending.visitId).toEqual(entry('x', 1200, other));
    });

    it('cuts a withdrawn identity nobody acknowledged, rejecting what it superseded here', () => {
      const next = reduce(
        withTheirs('customerId'),
        recordEvent(record({ session: session('s1'), writers: { other: 1250 } })),
      );
      expect(next.pending).toEqual({});
      expect(settlement(next, { fields: ['customerId'], stamp: 1100 })).toEqual({
        error: expect.any(SessionResetError),
      });
    });

    it('settles a withdrawn identity the store says was acknowledged', () => {
      const stored = record({
        session: session('s1', { customerId: 'x' }),
        stamps: { customerId: 1200 },
        writers: { other: 1250 },
      });
      const next = reduce(withTheirs('customerId'), recordEvent(stored));
      expect(next.refusals).toEqual({});
      expect(settlement(next, { fields: ['customerId'], stamp: 1100 })).toBe('done');
    });
  });
});

describe('change', () => {
  it('shows a change at once, pending, reported as updated on the session', () => {
    const state = ready(session('s1', { visitId: 'old' }), { visitId: 500 });
    const next = reduce(state, change({ visitId: 'new' }, 2000));
    expect(next.pending.visitId).toEqual(entry('new', 2000));
    expect(next.clock).toBe(2000);
    expect(toSnapshot(next, null)).toMatchObject({
      status: 'ready',
      session: session('s1', { visitId: 'new' }),
      pendingUpdates: 1,
      change: { reason: 'updated', sessionId: 's1', remote: false },
    });
  });

  it('reports an identity change as identified', () => {
    expect(reduce(ready(session('s1')), change({ agentId: 'ag' }, 2000)).change?.reason).toBe('identified');
  });

  it('stamps a change later than every stamp made before, whatever the clock says', () => {
    const state = ready(session('s1'), {}, { clock: 3000 });
    const next = reduce(state, change({ visitId: 'a' }, 2000));
    expect(next.pending.visitId?.stamp).toBeGreaterThan(3000);
    expect(next.clock).toBe(next.pending.visitId?.stamp);
  });

  it('keeps a change without a session pending, with nothing reported', () => {
    const next = reduce(starting(), change({ customerId: 'alice' }, 2000));
    expect(next.pending.customerId).toEqual(entry('alice', 2000));
    expect(next.change).toBeNull();
    expect(toSnapshot(next, null)).toMatchObject({ status: 'starting', session: null, pendingUpdates: 1 });
  });

  it('keeps a change while replacing, for the successor', () => {
    const replacing = run(ready(session('s1')), cut('reset', 2000));
    expect(reduce(replacing, change({ visitId: 'v' }, 2100)).pending.visitId).toEqual(entry('v', 2100));
  });

  // Found by these tests, fixed: `absorb` advances the clock past the pending stamps of a record but not past its acknowledged
  // `stamps`, although `clock` is documented as "the latest stamp seen or made". A tab whose clock runs
  // behind another's (tabs' `performance.timeOrigin + now()` drift apart, e.g. across a system sleep) that
  // learns of an acknowledged value only through the record then stamps its own later change earlier than
  // that value: `settled` drops it at once as acknowledged, the caller resolves, and the value is never sent.
  it('stamps a change later than an acknowledged value it has seen in a record', () => {
    const state = ready(session('s1', { visitId: 'old' }), { visitId: 500 }, { clock: 1000 });
    const seen = reduce(
      state,
      recordEvent(record({ session: session('s1', { visitId: 'theirs' }), stamps: { visitId: 5000 } })),
    );
    const next = reduce(seen, change({ visitId: 'mine' }, 2000));
    expect(shownSession(next)?.visitId).toBe('mine');
    expect(pendingCount(next)).toBe(1);
  });
});

describe('acknowledged', () => {
  it('is ignored without a session', () => {
    const state = starting({ pending: { visitId: entry('v', 1100) } });
    expect(
      reduce(state, { type: 'acknowledged', session: session('s1'), sent: { visitId: entry('v', 1100) } }),
    ).toBe(state);
  });

  it('settles what was sent and keeps what was changed since', () => {
    const state = ready(
      session('s1'),
      {},
      {
        pending: { visitId: entry('v2', 1200), globalVisitId: entry('g', 1100) },
        error: new Error('earlier failure'),
      },
    );
    const next = reduce(state, {
      type: 'acknowledged',
      session: session('s1'),
      sent: { visitId: entry('v1', 1100), globalVisitId: entry('g', 1100) },
    });
    expect(next.session).toEqual(session('s1', { visitId: 'v1', globalVisitId: 'g' }));
    expect(next.stamps).toEqual({ visitId: 1100, globalVisitId: 1100 });
    expect(next.pending).toEqual({ visitId: entry('v2', 1200) });
    expect(next.error).toBeNull();
    expect(shownSession(next)?.visitId).toBe('v2');
    expect(settlement(next, { fields: ['globalVisitId'], stamp: 1100 })).toBe('done');
    expect(settlement(next, { fields: ['visitId'], stamp: 1200 })).toBe('pending');
  });

  it('does not put back an older value over a later acknowledged one', () => {
    const state = ready(session('s1', { visitId: 'later' }), { visitId: 1300 });
    const next = reduce(state, {
      type: 'acknowledged',
      session: session('s1'),
      sent: { visitId: entry('older', 1100) },
    });
    expect(next.session?.visitId).toBe('later');
    expect(next.stamps.visitId).toBe(1300);
  });

  // Found by these tests, fixed (it was latent): unlike `checked`, `acknowledged` does not compare the answer's session id with the current
  // one, and `latest` takes every non-synced key, `sessionId` included, from the answer. An Update answered
  // after the state moved on to another session (another tab recovered it while this one worked without the
  // lock: no Web Locks, or a lock wait that expired) puts the old, lost id back as the current session.
  it('keeps the current session id when an acknowledgement answers an older session', () => {
    const state = ready(session('s2'));
    const next = reduce(state, {
      type: 'acknowledged',
      session: session('s1'),
      sent: { visitId: entry('v', 1100) },
    });
    expect(next.session?.sessionId).toBe('s2');
  });
});

describe('established', () => {
  const created = (more: Partial<Extract<CoreEvent, { type: 'established' }>> = {}): CoreEvent => ({
    type: 'established',
    session: session('s1'),
    sent: {},
    reason: 'created',
    epoch: 0,
    now: 3000,
    random: 0,
    at: 0,
    ...more,
  });

  it('makes a starting manager ready on the new session, holding what was sent', () => {
    const state = starting({ pending: { visitId: entry('v1', 1100), globalVisitId: entry('g2', 1300) } });
    const next = reduce(
      state,
      created({ sent: { visitId: entry('v1', 1100), globalVisitId: entry('g1', 1200) }, epoch: 2 }),
    );
    expect(next.phase.name).toBe('ready');
    expect(next.session).toEqual(session('s1', { visitId: 'v1', globalVisitId: 'g1' }));
    expect(next.stamps).toEqual({ visitId: 1100, globalVisitId: 1200 });
    expect(next.pending).toEqual({ globalVisitId: entry('g2', 1300) });
    expect(next.epoch).toBe(2);
    expect(toSnapshot(next, null)).toMatchObject({
      status: 'ready',
      session: session('s1', { visitId: 'v1', globalVisitId: 'g2' }),
      pendingUpdates: 1,
      change: { reason: 'created', sessionId: 's1', previousSessionId: null, remote: false },
    });
  });

  it('advances the clock to what was sent', () => {
    const next = reduce(starting({ clock: 1000 }), created({ sent: { visitId: entry('v', 4000, other) } }));
    expect(next.clock).toBe(4000);
  });

  it('keeps replacing when a Create begun before the reset lands, then is ready on the reset’s session', () => {
    const replacing = run(
      ready(session('s0', { visitId: 'v0' }), {}, { pending: { customerId: entry('alice', 1500) } }),
      cut('reset', 2000),
    );
    const landed = reduce(
      replacing,
      created({
        session: session('s1'),
        sent: { customerId: entry('alice', 1500), visitId: entry('v1', 1500) },
      }),
    );
    expect(landed.phase).toMatchObject({ name: 'replacing', reason: 'reset' });
    expect(toSnapshot(landed, null).status).toBe('starting');
    // The identity cut at the call stays rejected even though the early Create carried it.
    expect(settlement(landed, { fields: ['customerId'], stamp: 1500 })).toEqual({
      error: expect.any(SessionResetError),
    });
    const done = reduce(landed, created({ session: session('s2'), reason: 'reset', epoch: 1 }));
    expect(done.phase.name).toBe('ready');
    expect(done.session).toEqual(session('s2'));
    // The visit goes on with the successor; the identity does not.
    expect(done.pending).toEqual({ visitId: entry('v1', 1500) });
  });

  it('re-pends, as old as they were, the values a server replacement lacks', () => {
    const state = ready(
      session('s1', { customerId: 'alice', visitId: 'v1', globalVisitId: 'g1' }),
      {
        customerId: 1100,
        visitId: 1200,
      },
      { pending: { globalVisitId: entry('g2', 1400, other) } },
    );
    const next = reduce(
      state,
      created({ session: session('s2', { visitId: 'server-v' }), reason: 'replaced' }),
    );
    expect(next.session).toEqual(session('s2', { visitId: 'server-v' }));
    expect(next.pending).toEqual({
      customerId: entry('alice', 1100),
      globalVisitId: entry('g2', 1400, other),
    });
    expect(next.change).toMatchObject({ reason: 'replaced', sessionId: 's2', previousSessionId: null });
  });

  it('re-pends a value the old session held unstamped just above nothing, so any change beats it', () => {
    const state = ready(session('s1', { visitId: 'v1' }));
    const next = reduce(state, created({ session: session('s2'), reason: 'replaced' }));
    expect(next.pending.visitId?.value).toBe('v1');
    expect(next.pending.visitId?.stamp).toBeGreaterThan(0);
    expect(next.pending.visitId?.stamp).toBeLessThan(0.001);
  });
});

describe('checked', () => {
  it('records when the session was confirmed, keeping the values it acknowledged', () => {
    const state = ready(session('s1', { visitId: 'v1' }), { visitId: 1100 });
    const next = reduce(state, { type: 'checked', session: { sessionId: 's1', extra: 'x' }, now: 4000 });
    expect(next.checkedAt).toBe(4000);
    expect(next.session).toEqual({ sessionId: 's1', visitId: 'v1', extra: 'x' });
  });

  it('ignores an answer about another session, and one without a session', () => {
    const state = ready(session('s1'));
    expect(reduce(state, { type: 'checked', session: session('s2'), now: 4000 })).toBe(state);
    const none = starting();
    expect(reduce(none, { type: 'checked', session: session('s2'), now: 4000 })).toBe(none);
  });
});

describe('cut', () => {
  const identified = () =>
    ready(
      session('s1', { customerId: 'alice', agentId: 'ag', visitId: 'v1', globalVisitId: 'g1' }),
      {},
      {
        pending: {
          customerId: entry('bob', 1100),
          agentId: entry('ag2', 1200, other),
          visitId: entry('v2', 1300),
        },
      },
    );

  it('forgets the session at a reset, cutting every identity change and keeping the visit', () => {
    const next = reduce(identified(), cut('reset', 2000));
    expect(next.session).toBeNull();
    expect(next.stamps).toEqual({});
    expect(next.phase).toEqual({
      name: 'replacing',
      reason: 'reset',
      since: 2000,
      carry: { visitId: 'v1', globalVisitId: 'g1' },
    });
    expect(next.pending).toEqual({ visitId: entry('v2', 1300) });
    expect(next.resetAt).toBe(2000);
    expect(settlement(next, { fields: ['customerId'], stamp: 1100 })).toEqual({
      error: expect.any(SessionResetError),
    });
    expect(settlement(next, { fields: ['agentId'], stamp: 1000 })).toEqual({
      error: expect.any(SessionResetError),
    });
    expect(toSnapshot(next, null)).toMatchObject({ status: 'starting', session: null, pendingUpdates: 1 });
  });

  it('keeps the customer it switches to and the agent at a customer switch, cutting others’ identity', () => {
    const next = reduce(identified(), cut('customer-changed', 2000));
    expect(next.phase).toEqual({
      name: 'replacing',
      reason: 'customer-changed',
      since: 2000,
      carry: { agentId: 'ag', visitId: 'v1', globalVisitId: 'g1' },
    });
    expect(next.pending).toEqual({ customerId: entry('bob', 1100), visitId: entry('v2', 1300) });
    expect(next.refusals.agentId?.stamp).toBe(1200);
    expect(next.resetAt).toBe(0);
  });

  // Found by the model test: a second reset called while the first waited had no session left to carry
  // from, and dropped the visit the first one kept for the successor.
  it('keeps what a reset under way carries when another is called before it is done', () => {
    const again = run(identified(), cut('reset', 2000), cut('reset', 2500));
    expect(again.phase).toMatchObject({ since: 2500, carry: { visitId: 'v1', globalVisitId: 'g1' } });
  });
});

describe('forgotten', () => {
  const replacing = () =>
    run(
      ready(session('s1', { visitId: 'v1' }), {}, { epoch: 0 }),
      cut('reset', 2000),
      // Another tab identifies after the reset was called, before the new epoch is written.
      recordEvent(record({ pending: { agentId: entry('ag', 2100, other) } })),
    );

  it('moves to the new epoch, cutting the identity others gave before it', () => {
    const state = replacing();
    expect(state.pending.agentId).toBeDefined();
    const next = reduce(state, { type: 'forgotten', reason: 'reset', epoch: 1, carry: {} });
    expect(next.epoch).toBe(1);
    expect(next.pending.agentId).toBeUndefined();
    expect(next.refusals.agentId).toMatchObject({ stamp: 2100, error: expect.any(SessionResetError) });
  });

  it('keeps what it carries as its own pending values, never an identity from before its reset', () => {
    const next = reduce(replacing(), {
      type: 'forgotten',
      reason: 'reset',
      epoch: 1,
      carry: {
        visitId: entry('v1', 0),
        globalVisitId: entry('g1', 1500, other),
        customerId: entry('alice', 1900),
      },
    });
    expect(next.pending.visitId?.value).toBe('v1');
    expect(next.pending.visitId?.stamp).toBeGreaterThan(0);
    expect(next.pending.globalVisitId).toBeUndefined();
    expect(next.pending.customerId).toBeUndefined();
  });

  it('keeps the identity a customer switch carries', () => {
    const state = run(
      ready(session('s1', { customerId: 'alice' })),
      change({ customerId: 'bob' }, 2000),
      cut('customer-changed', 2001),
    );
    const bob = state.pending.customerId as PendingChange;
    const next = reduce(state, {
      type: 'forgotten',
      reason: 'customer-changed',
      epoch: 1,
      carry: { customerId: bob },
    });
    expect(next.pending.customerId).toEqual(bob);
  });

  it('does not replace a pending value with an older carried one', () => {
    const state = run(ready(session('s1')), cut('reset', 2000), change({ visitId: 'new' }, 2100));
    const next = reduce(state, {
      type: 'forgotten',
      reason: 'reset',
      epoch: 1,
      carry: { visitId: entry('old', 10) },
    });
    expect(next.pending.visitId?.value).toBe('new');
  });
});

describe('refused', () => {
  it('drops the refused change, rejects its caller and reports the error', () => {
    const error = new Error('400');
    const state = ready(
      session('s1', { visitId: 'v0' }),
      { visitId: 900 },
      { pending: { visitId: entry('bad', 1100) } },
    );
    const next = reduce(state, { type: 'refused', sent: { visitId: entry('bad', 1100) }, error });
    expect(next.pending).toEqual({});
    expect(next.stamps.visitId).toBe(1100);
    expect(next.error).toBe(error);
    expect(shownSession(next)?.visitId).toBe('v0');
    expect(settlement(next, { fields: ['visitId'], stamp: 1100 })).toEqual({ error });
    // An earlier change it superseded is rejected with it.
    expect(settlement(next, { fields: ['visitId'], stamp: 1000 })).toEqual({ error });
  });

  it('keeps a later change made while the refused one was under way', () => {
    const state = ready(session('s1'), {}, { pending: { visitId: entry('later', 1200) } });
    const next = reduce(state, {
      type: 'refused',
      sent: { visitId: entry('bad', 1100) },
      error: new Error('400'),
    });
    expect(next.pending).toEqual({ visitId: entry('later', 1200) });
    expect(settlement(next, { fields: ['visitId'], stamp: 1200 })).toBe('pending');
  });
});

describe('took-over', () => {
  it('makes a gone manager’s changes its own, a hair later, leaving other fields', () => {
    const state = ready(
      session('s1'),
      {},
      {
        clock: 1300,
        pending: { visitId: entry('v', 1200, other), globalVisitId: entry('g', 1250, 'third') },
      },
    );
    const next = reduce(state, { type: 'took-over', fields: ['visitId'] });
    const taken = next.pending.visitId as PendingChange;
    expect(taken.owner).toBe(me);
    expect(taken.value).toBe('v');
    expect(taken.stamp).toBeGreaterThan(1200);
    expect(taken.stamp).toBeLessThan(1200.001);
    expect(next.pending.globalVisitId).toEqual(entry('g', 1250, 'third'));
  });
});

describe('failed', () => {
  it('fails a manager without a session', () => {
    const error = new Error('down');
    const next = reduce(starting(), { type: 'failed', error });
    expect(next.phase.name).toBe('failed');
    expect(toSnapshot(next, null)).toMatchObject({ status: 'error', error });
  });

  it('keeps a manager with a session ready, showing the error', () => {
    const error = new Error('down');
    const next = reduce(ready(session('s1')), { type: 'failed', error });
    expect(toSnapshot(next, null)).toMatchObject({ status: 'ready', error, session: session('s1') });
  });

  it('clears the error once the server answers again', () => {
    const failed = reduce(ready(session('s1')), { type: 'failed', error: new Error('down') });
    const next = reduce(failed, { type: 'acknowledged', session: session('s1'), sent: {} });
    expect(next.error).toBeNull();
  });

  // Found by these tests, fixed: a Create begun before this manager's reset lands while the reset waits for the lock (`established`
  // keeps the `replacing` phase and sets the session); the reset's own Create then fails. `failed` keeps the
  // phase because a session is set, so the manager stays `replacing` (status 'starting') for good: `start` is
  // ignored outside idle/failed, `plan` for establish returns none (a session is set), and nothing plans the
  // replacement again; `ready()` waits until the application calls `reset()` once more.
  it('leaves no manager stuck replacing after its replacement failed', () => {
    const state = run(
      ready(session('s0', { customerId: 'alice' })),
      cut('reset', 2000),
      {
        type: 'established',
        session: session('s1'),
        sent: {},
        reason: 'created',
        epoch: 0,
        now: 2100,
        random: 0,
        at: 0,
      },
      { type: 'forgotten', reason: 'reset', epoch: 1, carry: {} },
      { type: 'failed', error: new Error('down') },
    );
    expect(toSnapshot(state, null)).toMatchObject({ status: 'error', session: null });
    // The next ready() starts afresh, and the plan makes a session instead of waiting for a replacement.
    const restarted = reduce(state, { type: 'start' });
    expect(plan(restarted, null, { type: 'establish' }, () => true).type).toBe('create');
  });
});

describe('storage-failed', () => {
  it('moves to memory and reports the storage error', () => {
    const error = new StorageError('quota');
    const next = reduce(ready(session('s1')), { type: 'storage-failed', error });
    expect(toSnapshot(next, null)).toMatchObject({
      status: 'ready',
      storage: 'memory',
      storageError: error,
      error,
    });
  });
});

describe('destroyed', () => {
  it('ends every phase, and every event after it is ignored', () => {
    const phases = [
      idle(),
      starting(),
      ready(session('s1')),
      run(ready(session('s1')), cut('reset', 2000)),
      idle({ phase: { name: 'failed' } }),
    ];
    for (const state of phases) {
      const destroyed = reduce(state, { type: 'destroyed' });
      expect(toSnapshot(destroyed, null).status).toBe('destroyed');
      for (const event of everyEvent) expect(reduce(destroyed, event)).toBe(destroyed);
    }
  });
});

describe('toSnapshot', () => {
  it('returns the previous snapshot when nothing visible changed', () => {
    const state = ready(session('s1', { visitId: 'v' }), { visitId: 1000 });
    const first = toSnapshot(state, null);
    expect(
      toSnapshot(
        { ...state, clock: 9000, checkedAt: 50, session: { ...session('s1', { visitId: 'v' }) } },
        first,
      ),
    ).toBe(first);
  });

  it('keeps the session object when only the status changed', () => {
    const state = ready(session('s1'));
    const first = toSnapshot(state, null);
    const next = toSnapshot({ ...state, error: new Error('x') }, first);
    expect(next).not.toBe(first);
    expect(next.session).toBe(first.session);
  });

  it('makes a new, frozen snapshot when a pending value changes what is shown', () => {
    const state = ready(session('s1'));
    const first = toSnapshot(state, null);
    const next = toSnapshot(reduce(state, change({ visitId: 'v' }, 2000)), first);
    expect(next).not.toBe(first);
    expect(next.session).toEqual(session('s1', { visitId: 'v' }));
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.session)).toBe(true);
  });

  it('maps each phase to its status', () => {
    expect(toSnapshot(idle(), null).status).toBe('idle');
    expect(toSnapshot(starting(), null).status).toBe('starting');
    expect(toSnapshot(idle({ phase: { name: 'failed' } }), null).status).toBe('error');
  });
});

describe('belongs', () => {
  it('lets any session be used unless this manager identifies another customer', () => {
    expect(belongs(starting(), session('s1', { customerId: 'alice' }))).toBe(true);
    const bob = starting({ pending: { customerId: entry('bob', 1100) } });
    expect(belongs(bob, session('s1', { customerId: 'alice' }))).toBe(false);
    expect(belongs(bob, session('s1', { customerId: 'bob' }))).toBe(true);
    expect(belongs(bob, session('s1'))).toBe(true);
    expect(
      belongs(
        starting({ pending: { customerId: entry('bob', 1100, other) } }),
        session('s1', { customerId: 'alice' }),
      ),
    ).toBe(true);
  });
});
