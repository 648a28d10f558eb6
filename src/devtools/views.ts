import type { SessionSnapshot } from '../index.js';
import { clockTime, h, table } from './dom.js';
import type { PendingEntry } from './storedRecord.js';
import type { TraceEventRow, TraceRequestRow, TraceRow, TraceTab } from './types.js';

/** The most rows a table shows (newest first); the copied trace has them all. */
export const shownRows = 300;

/** What the snapshot view knows of the pending changes beyond their count. */
export type PendingView =
  | { kind: 'rows'; rows: (PendingEntry & { ownerLabel: string })[] }
  | { kind: 'unknown'; why: string };

/** A session id short enough for a table cell (the stand-in's are UUIDs); the whole id in its title. */
export function sessionCell(sessionId: string | null): Node | string {
  if (sessionId === null) return '';
  if (sessionId.length <= 12) return sessionId;
  return h('span', { title: sessionId }, `${sessionId.slice(0, 8)}…`);
}

/** `tab 2`, or `tab 2 #3` for the third manager made in that page. */
export function sourceOf(row: TraceRow): string {
  return row.manager === 1 ? row.tab : `${row.tab} #${row.manager}`;
}

export function snapshotView(
  snapshot: SessionSnapshot,
  server: { baseUrl: string; tenantId: string | null },
  pending: PendingView,
  traced: boolean,
): Node[] {
  const { session, change, error, storageError } = snapshot;
  const fact = (term: string, value: string) => h('div', {}, h('dt', {}, term), h('dd', {}, value || '—'));
  const errorText = (e: Error | null) => {
    if (!e) return '';
    const code = (e as { code?: unknown }).code;
    return `${e.name}${typeof code === 'string' ? ` (${code})` : ''}: ${e.message}`;
  };
  const changeText = change
    ? `${change.reason}${change.remote ? ', by another tab' : ''}${
        change.previousSessionId && change.previousSessionId !== change.sessionId
          ? `, was ${change.previousSessionId}`
          : ''
      }`
    : '';
  const nodes: Node[] = [
    h(
      'dl',
      {},
      fact('Status', snapshot.status),
      fact('Session', session?.sessionId ?? ''),
      fact('Customer', session?.customerId ?? ''),
      fact('Agent', session?.agentId ?? ''),
      fact('Visit id', session?.visitId ?? ''),
      fact('Global visit id', session?.globalVisitId ?? ''),
      fact('Storage', storageError ? `${snapshot.storage} (${errorText(storageError)})` : snapshot.storage),
      fact('Pending updates', String(snapshot.pendingUpdates)),
      fact('Last change', changeText),
      fact('Last error', errorText(error)),
      fact(
        'Server',
        server.tenantId === null ? server.baseUrl : `${server.baseUrl} (tenant ${server.tenantId})`,
      ),
    ),
    h('h3', {}, 'Pending changes by field'),
  ];
  if (pending.kind === 'unknown') nodes.push(h('p', { class: 'muted' }, pending.why));
  else if (pending.rows.length === 0)
    nodes.push(h('p', { class: 'muted' }, 'None: the server has every value.'));
  else
    nodes.push(
      table(
        'Values the server has not acknowledged, and the tab whose manager sends each',
        ['Field', 'Value', 'Owner'],
        pending.rows.map((row) => [row.field, row.value, row.ownerLabel]),
      ),
    );
  if (!traced)
    nodes.push(
      h(
        'p',
        { class: 'muted' },
        'This manager was not made through withDevtools: its events and requests are not shown.',
      ),
    );
  return nodes;
}

function newest<T extends TraceRow>(rows: readonly T[]): T[] {
  return rows.slice(-shownRows).reverse();
}

function more(rows: readonly TraceRow[]): string {
  return rows.length > shownRows ? `, the newest ${shownRows} of ${rows.length}` : '';
}

export function timelineView(rows: readonly TraceEventRow[]): Node {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No event yet.');
  return table(
    `Core events of every tab with a panel, newest first${more(rows)}`,
    ['Time', 'Tab', 'Event', 'Reason', 'Session', 'Other tab', 'Phase', 'Pending', 'Error'],
    newest(rows).map((row) => [
      clockTime(row.at),
      sourceOf(row),
      row.type,
      row.reason ?? '',
      sessionCell(row.sessionId),
      row.remote ? 'yes' : '',
      row.phase,
      String(row.pendingUpdates),
      row.error ? `${row.error.name}: ${row.error.message}` : '',
    ]),
  );
}

export function requestsView(rows: readonly TraceRequestRow[]): Node {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No request yet.');
  return table(
    `Session calls and Knowledge requests, newest first${more(rows)}`,
    ['Time', 'Tab', 'Call', 'Method', 'Path', 'Status', 'Duration', 'Session'],
    newest(rows).map((row) => [
      clockTime(row.at),
      sourceOf(row),
      row.call,
      row.method,
      row.path,
      row.status === null ? (row.error ?? 'failed') : String(row.status),
      `${Math.round(row.durationMs)} ms`,
      sessionCell(row.sessionId),
    ]),
  );
}

export function tabsView(own: TraceTab, others: readonly TraceTab[], relayed: boolean): Node[] {
  const nodes: Node[] = [
    table(
      'Tabs of this browser profile with a panel mounted',
      ['Tab', 'Panel', 'Manager', 'Status', 'Session', 'Pending', 'Page'],
      [own, ...others].flatMap((tab) =>
        (tab.managers.length > 0 ? tab.managers : [null]).map((manager) => [
          tab === own ? `${tab.tab} (this tab)` : tab.tab,
          tab.open ? 'open' : 'closed',
          manager ? `#${manager.manager}` : '',
          manager?.status ?? '',
          sessionCell(manager?.sessionId ?? null),
          manager ? String(manager.pendingUpdates) : '',
          tab.url,
        ]),
      ),
    ),
  ];
  if (!relayed) nodes.push(h('p', { class: 'muted' }, 'No BroadcastChannel here: only this tab is shown.'));
  else if (others.length === 0)
    nodes.push(h('p', { class: 'muted' }, 'Mount the panel in another tab to see its rows here.'));
  return nodes;
}
