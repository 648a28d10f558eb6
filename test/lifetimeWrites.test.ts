// @vitest-environment node
// What a lifetime costs the store: an hour of steady use (a Knowledge request every five seconds, in one tab
// and in two) on simulated time (test/model/), counting the store's writes with and without a lifetime.
import { environmentManager, notifyManager, timeoutManager } from '@tanstack/query-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionManager, type KeyValueStore, type SessionManager } from '../src/index';
import { BrowserProfile } from './model/browserProfile';
import { ScriptedServer } from './model/scriptedServer';
import { VirtualTime } from './model/virtualTime';

const time = new VirtualTime();
const { now: wallClock } = Date;
const wallOrigin = wallClock();
beforeAll(() => {
  timeoutManager.setTimeoutProvider(time);
  notifyManager.setScheduler((callback) => time.setTimeout(callback, 0));
  environmentManager.setIsServer(() => false);
  Date.now = () => wallOrigin + time.now;
});
afterAll(() => {
  Date.now = wallClock;
});

const minute = 60_000;
const hour = 60 * minute;

/** Store writes during an hour of requests every `everyMs` from `tabs` tabs in turn, after the first start. */
async function writesPerHour(
  options: { idleTimeoutMs?: number; maxAgeMs?: number },
  tabs: number,
  everyMs = 5000,
) {
  const profile = new BrowserProfile((task) => time.setTimeout(task, 0));
  let tick = 0;
  const server = new ScriptedServer(
    '9',
    () => ++tick,
    () => 0,
    time.sleep,
    () => time.now,
  );
  const writes = { count: 0 };
  const counted = (store: KeyValueStore): KeyValueStore => ({
    ...store,
    update: (key, updater) => {
      writes.count += 1;
      return store.update?.(key, updater) ?? Promise.resolve();
    },
  });
  const baseUrl = `https://kc.test/writes-${wallClock()}-${Math.random()}`;
  const managers: SessionManager[] = Array.from({ length: tabs }, () =>
    createSessionManager({
      baseUrl,
      fetch: server.fetch,
      revalidate: false,
      storage: counted(profile.store()),
      locks: profile.locks(),
      BroadcastChannel: profile.channel(),
      ...options,
    }),
  );
  try {
    await Promise.all(managers.map((manager) => manager.ready()));
    await time.sleep(10);
    const from = writes.count;
    const began = time.now;
    for (let n = 0; time.now - began < hour; n++) {
      const response = await (managers[n % tabs] as SessionManager).fetch('kbs/_dflt/top');
      if (response.status !== 200) throw new Error(`request ${n}: ${response.status}`);
      await time.sleep(everyMs);
    }
    return { writes: writes.count - from, creates: server.created.length };
  } finally {
    for (const manager of managers) manager.destroy();
    time.clear();
  }
}

describe('store writes per hour of steady use (a request every 5 s)', () => {
  const rows: string[] = [];
  afterAll(() => console.info(`store writes per hour of steady use:\n${rows.join('\n')}`));

  it('costs no write without a lifetime, in one tab or two', async () => {
    for (const tabs of [1, 2]) {
      const { writes, creates } = await writesPerHour({}, tabs);
      rows.push(`  no lifetime, ${tabs} tab(s): ${writes} writes, ${creates} session(s)`);
      expect(writes).toBe(0);
      expect(creates).toBe(1);
    }
  });

  it('costs at most one write per tenth of the idle timeout with one, however many tabs', async () => {
    for (const [name, options, idleMs] of [
      ['idleTimeoutMs 30 min', { idleTimeoutMs: 30 * minute }, 30 * minute],
      [
        'idleTimeoutMs 30 min, maxAgeMs 24 h',
        { idleTimeoutMs: 30 * minute, maxAgeMs: 24 * hour },
        30 * minute,
      ],
      ['idleTimeoutMs 20 min', { idleTimeoutMs: 20 * minute }, 20 * minute],
    ] as const) {
      for (const tabs of [1, 2]) {
        const { writes, creates } = await writesPerHour(options, tabs);
        rows.push(`  ${name}, ${tabs} tab(s): ${writes} writes, ${creates} session(s)`);
        // A use is written once the recorded one is a tenth old: the request after each tenth, 5 s late.
        const bound = Math.ceil(hour / (idleMs / 10 + 5000)) + 1;
        expect(writes).toBeGreaterThan(0);
        expect(writes).toBeLessThanOrEqual(bound);
        expect(creates).toBe(1);
      }
    }
  });

  it('costs nothing for a maximum age alone, until the session is renewed', async () => {
    const { writes, creates } = await writesPerHour({ maxAgeMs: 24 * hour }, 2);
    rows.push(`  maxAgeMs 24 h alone, 2 tab(s): ${writes} writes, ${creates} session(s)`);
    expect(writes).toBe(0);
    const renewed = await writesPerHour({ maxAgeMs: 20 * minute }, 1);
    rows.push(`  maxAgeMs 20 min alone, 1 tab: ${renewed.writes} writes, ${renewed.creates} sessions`);
    // Each renewal costs the one write that stores its successor.
    expect(renewed).toEqual({ writes: 2, creates: 3 }); // renewed at 20 and 40 minutes
  });
});
