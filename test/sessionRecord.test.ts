// @vitest-environment node
// The stored record: how one manager's write merges into what the store holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIdentity, syncedFields } from '../src/core/fields';
import {
  latest,
  maxStamps,
  mergeRecord,
  nextStamp,
  type PendingChange,
  type PendingChanges,
  type RecordWrite,
  type StoredRecord,
} from '../src/core/record';
import { entry, me, other, record, session } from './helpers/core';

const now = 10_000_000;

function write(more: Partial<RecordWrite> = {}): RecordWrite {
  return { owner: me, clock: 5000, epoch: 0, pending: {}, ...more };
}

describe('mergeRecord', () => {
  it('makes a new record from the first write', () => {
    const merged = mergeRecord(
      null,
      write({
        epoch: 1,
        pending: { visitId: entry('v2', 1200), globalVisitId: entry('g', 900) },
        session: {
          session: session('s1', { visitId: 'v1', globalVisitId: 'g' }),
          stamps: { visitId: 1000, globalVisitId: 900 },
          reason: 'created',
          checkedAt: 7,
        },
      }),
      now,
    );
    expect(merged).toEqual({
      v: 2,
      session: session('s1', { visitId: 'v1', globalVisitId: 'g' }),
      epoch: 1,
      stamps: { visitId: 1000, globalVisitId: 900 },
      pending: { visitId: entry('v2', 1200) },
      reason: 'created',
      checkedAt: 7,
      writers: { me: 5000 },
      savedAt: now,
    });
  });

  it('saves each record after the one it replaces, whatever the clock says: records are ordered', () => {
    const merged = mergeRecord(record({ savedAt: now + 5 }), write(), now);
    expect(merged.savedAt).toBeGreaterThan(now + 5);
    expect(mergeRecord(merged, write(), now).savedAt).toBeGreaterThan(merged.savedAt);
  });

  it('makes an empty record at epoch 0 from a write of changes only', () => {
    const merged = mergeRecord(null, write({ pending: { customerId: entry('alice', 1100) } }), now);
    expect(merged.session).toBeNull();
    expect(merged.epoch).toBe(0);
    expect(merged.pending).toEqual({ customerId: entry('alice', 1100) });
  });

  it('merges a write of the same session field by field, the later stamp winning', () => {
    const stored = record({
      session: session('s1', { visitId: 'stored-new', globalVisitId: 'stored-old' }),
      stamps: { visitId: 2000, globalVisitId: 1000 },
      reason: 'created',
      checkedAt: 50,
    });
    const merged = mergeRecord(
      stored,
      write({
        session: {
          session: session('s1', { visitId: 'written-old', globalVisitId: 'written-new' }),
          stamps: { visitId: 1500, globalVisitId: 1500 },
          reason: 'updated',
          checkedAt: 20,
        },
      }),
      now,
    );
    expect(merged.session).toEqual(session('s1', { visitId: 'stored-new', globalVisitId: 'written-new' }));
    expect(merged.stamps).toEqual({ visitId: 2000, globalVisitId: 1500 });
    expect(merged.checkedAt).toBe(50);
    expect(merged.reason).toBe('created');
  });

  it('puts a new session of the same epoch in place of the stored one', () => {
    const stored = record({ session: session('s1', { visitId: 'v' }), stamps: { visitId: 2000 } });
    const merged = mergeRecord(
      stored,
      write({ session: { session: session('s2'), stamps: {}, reason: 'not-found', checkedAt: 0 } }),
      now,
    );
    expect(merged.session).toEqual(session('s2'));
    expect(merged.stamps).toEqual({});
    expect(merged.reason).toBe('not-found');
  });

  describe('a write from an older epoch', () => {
    const forgotten = () =>
      record({ epoch: 2, session: null, reason: 'reset', pending: { visitId: entry('v', 900, other) } });

    it('cannot put back a forgotten session', () => {
      const merged = mergeRecord(
        forgotten(),
        write({
          epoch: 1,
          session: {
            session: session('s1', { customerId: 'alice' }),
            stamps: {},
            reason: 'identified',
            checkedAt: 0,
          },
        }),
        now,
      );
      expect(merged.session).toBeNull();
      expect(merged.epoch).toBe(2);
      expect(merged.reason).toBe('reset');
    });

    it('loses its identity changes and keeps its visit values', () => {
      const merged = mergeRecord(
        forgotten(),
        write({
          epoch: 1,
          pending: {
            customerId: entry('alice', 1100),
            agentId: entry('ag', 1100),
            globalVisitId: entry('g', 1100),
          },
        }),
        now,
      );
      expect(merged.pending).toEqual({ visitId: entry('v', 900, other), globalVisitId: entry('g', 1100) });
      expect(merged.writers.me).toBe(5000);
    });
  });

  it('keeps the identity of a writer that has not seen an epoch yet', () => {
    const merged = mergeRecord(
      record({ epoch: 2 }),
      write({ epoch: null, pending: { customerId: entry('a', 1) } }),
      now,
    );
    expect(merged.pending.customerId).toEqual(entry('a', 1));
    expect(merged.epoch).toBe(2);
  });

  it('drops the identity others gave when a new epoch is written, keeping their visit values', () => {
    const stored = record({
      epoch: 0,
      session: session('s1', { customerId: 'alice' }),
      pending: {
        customerId: entry('bob', 1100, other),
        agentId: entry('ag', 1100, other),
        visitId: entry('v', 1100, other),
      },
    });
    const merged = mergeRecord(
      stored,
      write({
        epoch: 1,
        pending: { globalVisitId: entry('g', 1200) },
        session: { session: null, stamps: {}, reason: 'reset', checkedAt: 0 },
      }),
      now,
    );
    expect(merged.epoch).toBe(1);
    expect(merged.session).toBeNull();
    expect(merged.reason).toBe('reset');
    expect(merged.pending).toEqual({ visitId: entry('v', 1100, other), globalVisitId: entry('g', 1200) });
  });

  it('keeps the identity the writer of a new epoch gives (the customer it switches to)', () => {
    const merged = mergeRecord(
      record({ epoch: 0, session: session('s1', { customerId: 'alice' }) }),
      write({
        epoch: 1,
        pending: { customerId: entry('bob', 1100) },
        session: { session: null, stamps: {}, reason: 'customer-changed', checkedAt: 0 },
      }),
      now,
    );
    expect(merged.pending).toEqual({ customerId: entry('bob', 1100) });
  });

  it('replaces only the writer’s own entries', () => {
    const stored = record({
      pending: { visitId: entry('mine', 1100), globalVisitId: entry('theirs', 1100, other) },
    });
    const merged = mergeRecord(stored, write({ pending: {} }), now);
    expect(merged.pending).toEqual({ globalVisitId: entry('theirs', 1100, other) });
  });

  it('keeps the later of the writer’s and another’s entry, the writer’s on a tie', () => {
    const stored = record({
      pending: { visitId: entry('theirs', 1100, other), globalVisitId: entry('theirs', 1300, other) },
    });
    const merged = mergeRecord(
      stored,
      write({ pending: { visitId: entry('mine', 1100), globalVisitId: entry('mine', 1200) } }),
      now,
    );
    expect(merged.pending).toEqual({
      visitId: entry('mine', 1100),
      globalVisitId: entry('theirs', 1300, other),
    });
  });

  it('drops a pending change stamped at or below the acknowledged stamp of its field', () => {
    const stored = record({
      session: session('s1'),
      pending: { visitId: entry('at', 1100, other), globalVisitId: entry('above', 1100.5, other) },
    });
    const merged = mergeRecord(
      stored,
      write({
        pending: { customerId: entry('below', 1000) },
        session: {
          session: session('s1', { visitId: 'x', globalVisitId: 'y', customerId: 'z' }),
          stamps: { visitId: 1100, globalVisitId: 1100, customerId: 1050 },
          reason: 'updated',
          checkedAt: 0,
        },
      }),
      now,
    );
    expect(merged.pending).toEqual({ globalVisitId: entry('above', 1100.5, other) });
  });

  it('remembers each writer for ten minutes', () => {
    const stored = record({
      writers: { me: 1, expired: now - 600_000, recent: now - 599_999 },
    });
    const merged = mergeRecord(stored, write({ clock: 5000 }), now);
    expect(merged.writers).toEqual({ me: 5000, recent: now - 599_999 });
  });

  it('does not change the record it was given', () => {
    const stored = record({
      session: session('s1'),
      pending: { visitId: entry('v', 1100, other) },
      stamps: { agentId: 5 },
    });
    const copy = structuredClone(stored);
    mergeRecord(
      stored,
      write({
        session: { session: session('s1'), stamps: { visitId: 2000 }, reason: 'updated', checkedAt: 0 },
      }),
      now,
    );
    expect(stored).toEqual(copy);
  });

  describe('in any order (property)', () => {
    const owners = ['a', 'b', 'c'] as const;
    const stamp = fc.integer({ min: 1, max: 40 });
    const pendingFor = (owner: string, epoch: number): fc.Arbitrary<PendingChanges> =>
      fc.record(
        Object.fromEntries(
          syncedFields.map((field) => [
            field,
            // An identity value names the epoch it was given under.
            stamp.map((at) => entry(isIdentity(field) ? `e${epoch}` : `${owner}${at}`, at, owner)),
          ]),
        ) as Record<(typeof syncedFields)[number], fc.Arbitrary<PendingChange>>,
        { requiredKeys: [] },
      );
    const aWrite: fc.Arbitrary<RecordWrite> = fc
      .record({
        owner: fc.constantFrom(...owners),
        epoch: fc.integer({ min: 0, max: 3 }),
        withSession: fc.boolean(),
        sessionId: fc.constantFrom('s1', 's2', null),
        stamps: fc.record({ visitId: stamp, customerId: stamp }, { requiredKeys: [] }),
      })
      .chain(({ owner, epoch, withSession, sessionId, stamps }) =>
        pendingFor(owner, epoch).map((pending): RecordWrite => {
          const clock = Math.max(0, ...Object.values(pending).map((change) => change.stamp)) + 1;
          const written: RecordWrite = { owner, clock, epoch, pending };
          if (withSession)
            written.session = {
              session: sessionId === null ? null : session(sessionId, { visitId: `v${epoch}` }),
              stamps: sessionId === null ? {} : stamps,
              reason: 'updated',
              checkedAt: 0,
            };
          return written;
        }),
      );

    it('never keeps a pending change at or below its field’s stored stamp, nor lowers the epoch, nor keeps an identity from an older epoch', () => {
      fc.assert(
        fc.property(fc.array(aWrite, { minLength: 1, maxLength: 12 }), (writes) => {
          let stored: StoredRecord | null = null;
          writes.forEach((written, index) => {
            const merged = mergeRecord(stored, written, now + index);
            expect(merged.epoch).toBeGreaterThanOrEqual(stored?.epoch ?? 0);
            for (const field of syncedFields) {
              const change = merged.pending[field];
              if (!change) continue;
              expect(change.stamp).toBeGreaterThan(merged.stamps[field] ?? 0);
              if (isIdentity(field))
                expect(Number(change.value.slice(1))).toBeGreaterThanOrEqual(merged.epoch);
            }
            expect(merged.writers[written.owner]).toBe(written.clock);
            stored = merged;
          });
        }),
        { numRuns: 300 },
      );
    });

    it('holds the writer’s change unless a later one, or a later acknowledged value, supersedes it', () => {
      fc.assert(
        fc.property(fc.array(aWrite, { minLength: 1, maxLength: 12 }), (writes) => {
          let stored: StoredRecord | null = null;
          writes.forEach((written, index) => {
            const merged = mergeRecord(stored, written, now + index);
            const stale = written.epoch !== null && written.epoch < merged.epoch;
            for (const field of syncedFields) {
              const mine = written.pending?.[field];
              if (!mine || (stale && isIdentity(field))) continue;
              const kept = merged.pending[field];
              const superseded =
                (kept && kept.stamp > mine.stamp) || (merged.stamps[field] ?? 0) >= mine.stamp;
              if (!superseded) expect(kept).toEqual(mine);
            }
            stored = merged;
          });
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('nextStamp', () => {
  it('is the time, unless the clock has seen later, with a small random tail', () => {
    expect(nextStamp(1000, 2000, 0)).toBe(2000);
    expect(nextStamp(3000, 2000, 0)).toBe(3000.001);
    const a = nextStamp(1000, 2000, 0.25);
    expect(a).toBeGreaterThan(2000);
    expect(a).toBeLessThan(2000.001);
  });
});

describe('latest', () => {
  it('takes the later value of each field, the first on a tie, and other keys from the second', () => {
    const merged = latest(
      { sessionId: 's1', visitId: 'a', globalVisitId: 'a', customerId: 'a', extra: 1 },
      { visitId: 10, globalVisitId: 10, customerId: 30 },
      { sessionId: 's1', visitId: 'b', globalVisitId: 'b', extra: 2 },
      { visitId: 20, globalVisitId: 10, customerId: 40 },
    );
    expect(merged).toEqual({ sessionId: 's1', visitId: 'b', globalVisitId: 'a', extra: 2 });
  });
});

describe('maxStamps', () => {
  it('takes the later stamp of each field', () => {
    expect(maxStamps({ visitId: 1, agentId: 5 }, { visitId: 3 })).toEqual({ visitId: 3, agentId: 5 });
  });
});
