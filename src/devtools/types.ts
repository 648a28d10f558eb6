/** The public types of `gkc-session/devtools`: the rows of the trace, and what a copied trace holds. */

/** Where a row comes from: a tab with a panel, and one of its managers. */
export interface TraceSource {
  /** The tab's label, `tab 1`, `tab 2`...: the lowest number no other tab with a panel holds. */
  tab: string;
  /** The manager within its tab, numbered from 1 in the order they were created. */
  manager: number;
}

/** One core event of a manager (its `onEvent` trace), as the timeline shows it. */
export interface TraceEventRow extends TraceSource {
  kind: 'event';
  /** When, in milliseconds on the wall clock every tab of the browser shares (`performance.timeOrigin` based). */
  at: number;
  /** `SessionEvent.type`: `start`, `record`, `change`, `established`, `forgotten`... */
  type: string;
  sessionId: string | null;
  reason: string | null;
  /** Whether another tab (or another manager of the page) caused it. */
  remote: boolean;
  phase: string;
  pendingUpdates: number;
  error: TraceError | null;
}

/** One request the manager's transport sent: a session call or a Knowledge API request. */
export interface TraceRequestRow extends TraceSource {
  kind: 'request';
  /** When it was sent (same clock as the events). */
  at: number;
  /** `create`, `retrieve` and `update` are the session calls; `knowledge` is `manager.fetch` under the session. */
  call: 'create' | 'retrieve' | 'update' | 'knowledge' | 'other';
  method: string;
  /** The path under `baseUrl` with its query but without `sessionId` and `tenantId`; the whole URL for `other`. */
  path: string;
  /** The answer's status; null when no answer came (see `error`). */
  status: number | null;
  /** Until the answer's headers, or the failure. */
  durationMs: number;
  /** The session the request carried: the path's for Retrieve and Update, the query's for Knowledge calls, the
   * answer's for Create. */
  sessionId: string | null;
  /** The failure's name when no answer came: `TypeError` (the network), `AbortError` (a timeout or abort). */
  error: string | null;
}

export type TraceRow = TraceEventRow | TraceRequestRow;

export interface TraceError {
  name: string;
  message: string;
  code: string | null;
}

/** A tab that has (or had) a panel mounted, as the "Tabs" view and a copied trace describe it. */
export interface TraceTab {
  tab: string;
  url: string;
  /** Whether its panel is still mounted. */
  open: boolean;
  managers: TraceManager[];
}

export interface TraceManager {
  manager: number;
  baseUrl: string;
  tenantId: string | null;
  status: string;
  sessionId: string | null;
  pendingUpdates: number;
}

/** What "Copy trace" puts on the clipboard: every tab's rows, merged in time order. */
export interface DevtoolsTrace {
  format: 'gkc-session-trace';
  version: 1;
  /** The tab the trace was copied in. */
  copiedFrom: string;
  /** ISO time of the copy. */
  copiedAt: string;
  tabs: TraceTab[];
  rows: TraceRow[];
}
