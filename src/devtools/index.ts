// gkc-session/devtools: a panel over the page that shows every tab's session managers and one timeline.
// Nothing here runs until `mountDevtools` is called; the main entry (`gkc-session`) imports none of it.

export type { DevtoolsMountOptions } from './mount.js';
export { mountDevtools } from './mount.js';
export { withDevtools } from './registry.js';
export type {
  DevtoolsTrace,
  TraceError,
  TraceEventRow,
  TraceManager,
  TraceRequestRow,
  TraceRow,
  TraceSource,
  TraceTab,
} from './types.js';
