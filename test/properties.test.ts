// Property-based: random interleavings of start, update, identify, reset, reload and server faults across
// three simulated tabs (managers sharing one IndexedDB and BroadcastChannel), then the invariants.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createSessionManager, type SessionManager } from '../src/index';
import { readRecord, tick } from './helpers/managers';
import { startStandIn } from './helpers/standIn';

const tabs = 3;
const retry = { attempts: 2, minDelayMs: 2, maxDelayMs: 30 };

type Command =
  | { kind: 'start'; tab: number }
  | { kind: 'update'; tab: number; field: 'visitId' | 'globalVisitId'; value: string }
  | { kind: 'identify'; tab: number; customerId: string }
  | { kind: 'reset'; tab: number }
  | { kind: 'reload'; tab: number }
  | { kind: 'fault'; fault: 'down' | 'up' | 'fail-503' | 'forget-sessions' }
  | { kind: 'pause'; ms: number };

const tab = fc.integer({ min: 0, max: tabs - 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('start' as const), tab }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      tab,
      field: fc.constantFrom('visitId' as const, 'globalVisitId' as const),
      value: fc.stringMatching(/^[a-z]{1,6}$/),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('identify' as const),
      tab,
      customerId: fc.constantFrom('alice', 'bob'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const), tab }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      fault: fc.constantFrom('down' as const, 'up' as const, 'fail-503' as const, 'forget-sessions' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 15 }) }),
  },
);

const foundInCi: Command[][] = [
  // An identify for the customer the stored session already has, made before the first store read, never
  // settled (test/sessionManager.test.ts, "resolves an identify called before the start...").
  [
    { kind: 'identify', tab: 0, customerId: 'bob' },
    { kind: 'pause', ms: 4 },
    { kind: 'identify', tab: 1, customerId: 'bob' },
    { kind: 'update', tab: 0, field: 'visitId', value: 'f' },
  ],
  // A tab destroyed last in line for the page lock let the next one in beside the holder
  // (test/sessionLock.test.ts, "keeps the line when the last waiter gives up...").
  [
    { kind: 'identify', tab: 1, customerId: 'alice' },
    { kind: 'reset', tab: 1 },
    { kind: 'fault', fault: 'up' },
    { kind: 'reset', tab: 2 },
    { kind: 'pause', ms: 6 },
    { kind: 'update', tab: 1, field: 'globalVisitId', value: 'yh' },
    { kind: 'fault', fault: 'forget-sessions' },
    { kind: 'reload', tab: 1 },
  ],
];

/** Whether every promise settles within `ms`. */
async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  const all = Promise.allSettled(promises);
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms));
  return (await Promise.race([all, timeout])) !== 'timeout';
}

it('keeps one session per browser and customer, ends on the latest values, and settles every promise', async () => {
  const { server, baseUrl } = await startStandIn();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
      // Each run is a fresh browser: its own server root (so its own stored record), a clean server.
      run += 1;
      server.reset();
      const root = `${baseUrl}/run-${run}`;
      server.configure({ basePath: `/gks-server/v1/run-${run}` });
      const open = () => createSessionManager({ baseUrl: root, retry, storageTimeoutMs: 1000 });
      const managers: SessionManager[] = Array.from({ length: tabs }, open);
      const promises: Promise<unknown>[] = [];
      const keep = (promise: Promise<unknown>) => promises.push(promise.catch(() => {}));

      for (const step of commands) {
        switch (step.kind) {
          case 'start':
            keep((managers[step.tab] as SessionManager).ready());
            break;
          case 'update':
            keep((managers[step.tab] as SessionManager).update({ [step.field]: step.value }));
            break;
          case 'identify':
            keep((managers[step.tab] as SessionManager).identify({ customerId: step.customerId }));
            break;
          case 'reset':
            keep((managers[step.tab] as SessionManager).reset());
            break;
          case 'reload':
            (managers[step.tab] as SessionManager).destroy();
            managers[step.tab] = open();
            break;
          case 'fault':
            if (step.fault === 'down') server.faults = { ...server.faults, down: true };
            if (step.fault === 'up') server.faults = { ...server.faults, down: false };
            if (step.fault === 'fail-503')
              server.faults = { ...server.faults, failNext: { count: 1, status: 503 } };
            if (step.fault === 'forget-sessions') server.forgetSessions();
            break;
          case 'pause':
            await tick(step.ms);
            break;
        }
      }

      // Heal, and let every tab come to rest.
      server.faults = {};
      await Promise.all(managers.map((manager) => manager.ready().catch(() => manager.ready())));
      expect(await settledWithin(promises, 5000)).toBe(true);
      // Each tab makes a request, as a page in use would: a session the server lost is found out here.
      await Promise.all(managers.map((manager) => manager.fetch('kbs/support/top').catch(() => {})));

      // Converged: every tab shows the same session and values, nothing is pending, and the server holds them.
      const state = () => {
        const shown = managers.map((manager) => manager.getSnapshot());
        const keys = shown.map((snapshot) =>
          JSON.stringify([
            snapshot.status,
            snapshot.pendingUpdates,
            snapshot.session?.sessionId,
            snapshot.session?.customerId,
            snapshot.session?.visitId,
            snapshot.session?.globalVisitId,
          ]),
        );
        const session = shown[0]?.session;
        const onServer = server.sessions.get(session?.sessionId ?? '');
        const held =
          onServer?.visitId === session?.visitId && onServer?.globalVisitId === session?.globalVisitId;
        return keys.every((key) => key === keys[0]) && shown[0]?.pendingUpdates === 0 && held
          ? 'converged'
          : `${keys.join(' / ')}; server: ${JSON.stringify(onServer ?? null)}`;
      };
      await expect.poll(state, { timeout: 3000 }).toBe('converged');

      // One session per browser: every tab and the store agree.
      const session = managers[0]?.getSnapshot().session;
      expect((await readRecord(root)).session.sessionId).toBe(session?.sessionId);
      // No customer's session was ever used for another customer.
      const customers = new Map<string, Set<string>>();
      for (const entry of server.log) {
        if (entry.sessionId && entry.customerId && (entry.call === 'update' || entry.call === 'retrieve')) {
          customers.set(entry.sessionId, (customers.get(entry.sessionId) ?? new Set()).add(entry.customerId));
        }
      }
      for (const stored of server.sessions.values()) {
        if (stored.customerId) {
          customers.set(
            stored.sessionId,
            (customers.get(stored.sessionId) ?? new Set()).add(stored.customerId),
          );
        }
      }
      for (const [, seen] of customers) {
        if (seen.size > 1 && process.env.DEBUG_PROPS) {
          console.log(
            server.log
              .map(
                (e) =>
                  `LOG ${e.call} ${e.sessionId?.slice(0, 6)} ${e.customerId} ${JSON.stringify(e.body)} ${e.status}`,
              )
              .join('\n'),
          );
          for (const m of managers) {
            const x = m.getSnapshot();
            console.log(
              'TAB',
              x.session?.sessionId?.slice(0, 6),
              x.session?.customerId,
              x.change?.reason,
              x.change?.remote,
            );
          }
        }
        expect(seen.size).toBeLessThanOrEqual(1);
      }

      for (const manager of managers) manager.destroy();
    }),
    {
      numRuns: 40,
      interruptAfterTimeLimit: 100_000,
      // First, the runs that found defects with random seeds in CI (each fixed, with a test of its own).
      examples: foundInCi.map((commands) => [commands]),
      // A fixed seed by default, so that CI runs the same commands each time; PROPS_SEED=random explores new
      // ones. A failure prints its seed and path: PROPS_SEED and PROPS_PATH replay it.
      ...(process.env.PROPS_SEED !== 'random' && { seed: Number(process.env.PROPS_SEED ?? 20261128) }),
      ...(process.env.PROPS_PATH && { path: process.env.PROPS_PATH, endOnFailure: true }),
    },
  );
}, 120_000);
