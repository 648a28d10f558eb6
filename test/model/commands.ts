import { focusManager } from '@tanstack/query-core';
import type fc from 'fast-check';
import type { SessionManager } from '../../src/index';
import type { ScriptedServer } from './scriptedServer';

/** What the commands act on: the server and the tabs' managers, and what they started. */
export interface Real {
  server: ScriptedServer;
  open(tab: number): SessionManager;
  managers: SessionManager[];
  promises: Promise<unknown>[];
  /** Labels of the promises not settled yet. */
  pending: (() => string | null)[];
  clock(): number;
  sleep(ms: number): Promise<void>;
  /** The run's simulated time. */
  now(): number;
  jump(ms: number): void;
}

/** What the commands did, for the invariants checked after the run. */
export interface Model {
  /** The latest value set of each visit field, in command order. */
  latest: { visitId?: string; globalVisitId?: string };
  identified: { customerId: string; at: number }[];
  resets: { at: number; successor: Promise<string | null> }[];
  identifies: number;
  forgets: number;
  /** When a tab used its session (ready, update, identify, fetch), on the simulated time. */
  uses: number[];
  /** Long pauses (`sleep`): each may let the session expire once. */
  sleeps: number;
}

export class Step implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly label: string,
    readonly act: (model: Model, real: Real) => unknown,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    await this.act(model, real);
  }
  toString(): string {
    return this.label;
  }
}

const keep = (real: Real, promise: Promise<unknown>, label: string) => {
  let settled = false;
  real.pending.push(() => (settled ? null : label));
  real.promises.push(
    promise
      .catch(() => {})
      .finally(() => {
        settled = true;
      }),
  );
};
const at = (real: Real, tab: number) => real.managers[tab] as SessionManager;

/** A use of the session: what a lifetime counts. */
const used = (model: Model, real: Real) => model.uses.push(real.now());

/** The commands, by name: the property draws them, a regression lists them. */
export const step = {
  start: (t: number) =>
    new Step(`start(${t})`, (model, real) => {
      used(model, real);
      keep(real, at(real, t).ready(), `ready(${t})`);
    }),
  update: (t: number, field: 'visitId' | 'globalVisitId') =>
    new Step(`update(${t}, ${field})`, (model, real) => {
      used(model, real);
      const value = `${field === 'visitId' ? 'v' : 'g'}${real.clock()}`;
      model.latest[field] = value;
      keep(real, at(real, t).update({ [field]: value }), `update(${t}, ${value})`);
    }),
  identify: (t: number) =>
    new Step(`identify(${t})`, (model, real) => {
      used(model, real);
      const moment = real.clock();
      const customerId = `c${moment}`;
      model.identified.push({ customerId, at: moment });
      model.identifies += 1;
      keep(real, at(real, t).identify({ customerId }), `identify(${t}, ${customerId})`);
    }),
  reset: (t: number) =>
    new Step(`reset(${t})`, (model, real) => {
      const moment = real.clock();
      const successor = at(real, t)
        .reset()
        .then((session) => session.sessionId)
        .catch(() => null);
      model.resets.push({ at: moment, successor });
      keep(real, successor, `reset(${t})`);
    }),
  reload: (t: number) =>
    new Step(`reload(${t})`, (_m, real) => {
      at(real, t).destroy();
      real.managers[t] = real.open(t);
    }),
  fetch: (t: number) =>
    new Step(`fetch(${t})`, (model, real) => {
      used(model, real);
      keep(real, at(real, t).fetch('kbs/_dflt/top'), `fetch(${t})`);
    }),
  down: new Step('server down', (_m, real) => {
    real.server.down = true;
  }),
  up: new Step('server up', (_m, real) => {
    real.server.down = false;
  }),
  fail: new Step('503 next', (_m, real) => {
    real.server.failNext += 1;
  }),
  forget: new Step('server forgets', (model, real) => {
    model.forgets += 1;
    real.server.forget();
  }),
  pause: (ms: number) => new Step(`pause(${ms})`, (_m, real) => real.sleep(ms)),
  /** A long quiet time: no tab is used while the browser's clock and timers go on. */
  sleep: (ms: number) =>
    new Step(`sleep(${ms})`, (model, real) => {
      model.sleeps += 1;
      return real.sleep(ms);
    }),
  /** The machine sleeps: no timer fires, then the clock jumps and every overdue timer fires at once. */
  suspend: (ms: number) =>
    new Step(`suspend(${ms})`, (model, real) => {
      model.sleeps += 1;
      real.jump(ms);
    }),
  /** The tabs come back to the foreground (the window was hidden): each checks its session's lifetime. */
  foreground: new Step('foreground', () => {
    focusManager.setFocused(false);
    focusManager.setFocused(undefined);
  }),
};
