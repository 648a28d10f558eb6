import { own } from './plan.js';
import type { RecordWrite } from './record.js';
import type { CoreState } from './state.js';

/** What a manager writes: its own pending changes and, under the lock, the session it holds. */
export function recordWriteOf(owner: string, state: CoreState, withSession: boolean): RecordWrite {
  const write: RecordWrite = {
    owner,
    clock: state.clock,
    epoch: state.epoch,
    pending: own(state),
  };
  if (withSession && state.session) {
    write.session = {
      session: state.session,
      stamps: state.stamps,
      reason: state.change?.reason ?? 'created',
      checkedAt: state.checkedAt,
      bornAt: state.bornAt,
    };
  }
  return write;
}
