import type { SessionEvent, SessionManager, SessionSnapshot } from '../index.js';
import { fill, h } from './dom.js';
import { claimLabel, ownerLabels } from './locks.js';
import { Panel, type ViewName } from './panel.js';
import { type Entry, entryOf, knownEntries, type Sink, watchEntries } from './registry.js';
import { Relay, type RelayMessage } from './relay.js';
import { readPending } from './storedRecord.js';
import { Timeline } from './timeline.js';
import { now, tracedFetch } from './tracedFetch.js';
import type {
  DevtoolsTrace,
  TraceEventRow,
  TraceManager,
  TraceRequestRow,
  TraceRow,
  TraceTab,
} from './types.js';
import { type PendingView, requestsView, snapshotView, tabsView, timelineView } from './views.js';

export interface DevtoolsMountOptions {
  /**
   * This tab's name in every panel's timeline.
   * @default `tab N`: the lowest number no other tab with a panel holds
   */
  label?: string | undefined;
  /**
   * Open the panel at once, rather than showing only its toggle button.
   * @default false
   */
  open?: boolean | undefined;
  /**
   * Where the panel's host element goes.
   * @default document.body
   */
  container?: Element | undefined;
}

/** The panel mounted in this page: one at a time. */
let mounted: (() => void) | null = null;

/** How long changes gather before the panel redraws and tells the other tabs: a burst is drawn once. */
const drawDelayMs = 40;

/**
 * Mounts the devtools panel for `manager`, or for every manager made through `withDevtools` in this page
 * (those made later too), and returns the unmount. From the mount on, the managers' events and requests are
 * recorded and relayed to the panels of the other tabs of this browser profile, whose rows it shows merged;
 * the unmount removes the panel's every node and listener, closes its channel and releases its lock. A
 * second mount in the same page replaces the first.
 *
 * @example
 * import { createSessionManager } from 'gkc-session';
 * import { mountDevtools, withDevtools } from 'gkc-session/devtools';
 *
 * const manager = withDevtools(createSessionManager)({ baseUrl: '/gks-server/v1' });
 * const unmount = mountDevtools(manager);
 * // later
 * unmount();
 */
export function mountDevtools(manager?: SessionManager, options: DevtoolsMountOptions = {}): () => void {
  if (typeof document === 'undefined') return () => {}; // server-side rendering: no page to mount in
  mounted?.();

  const timeline = new Timeline();
  const shown: Entry[] = [];
  const unsubscribes = new Map<Entry, () => void>();
  const downloads = new Set<string>();
  let selected: Entry | undefined;
  let unmounted = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stateChanged = true;
  let pending: PendingView = { kind: 'rows', rows: [] };
  let pendingRead = 0;
  let releaseLabel = () => {};

  const record = (row: TraceRow) => {
    if (unmounted) return; // a request sent before the unmount, answered after it
    const numbered = timeline.add(row);
    if (timeline.label)
      relay.post({
        type: 'state',
        from: relay.id,
        tab: ownTab(),
        rows: [{ seq: numbered.seq, row: { ...row, tab: timeline.label } }],
      });
    schedule();
  };
  const sink: Sink = {
    event: (entry, event) => record(eventRow(entry, event, now())),
    fetch: (entry, send, input, init) =>
      tracedFetch(entry.ref.deref()?.queryKey[1] as string | undefined, send, input, init, (row) =>
        record({ kind: 'request', tab: '', manager: entry.index, ...row }),
      ),
  };

  const relay = new Relay(hear);
  const relayed = relay.open();
  const panel = new Panel({
    onOpen: () => {
      refreshPending();
      draw();
    },
    onCopy: () => void copy(),
    onSelectManager: (index) => {
      selected = shown.find((entry) => entry.index === index) ?? selected;
      refreshPending();
      draw();
    },
    onSelectView: () => draw(),
  });

  function add(entry: Entry): void {
    const target = entry.ref.deref();
    if (!target || shown.includes(entry)) return;
    if (entry.traced) entry.sink = sink;
    shown.push(entry);
    // A manager made after the one shown (a hot reload) takes its place once that one is destroyed.
    if (!selected || selected.ref.deref()?.getSnapshot().status === 'destroyed') selected = entry;
    unsubscribes.set(
      entry,
      target.subscribe((snapshot) => {
        stateChanged = true;
        // The manager shown was destroyed: show the newest one still alive (a hot reload made it first).
        if (entry === selected && snapshot.status === 'destroyed')
          selected =
            [...shown].reverse().find((other) => other.ref.deref()?.getSnapshot().status !== 'destroyed') ??
            entry;
        if (entry === selected) refreshPending();
        schedule();
      }),
    );
    schedule();
  }

  function ownTab(): TraceTab {
    return { tab: timeline.label, url: location.href, open: true, managers: shown.flatMap(describeManager) };
  }

  function hear(message: RelayMessage): void {
    if (message.type === 'bye') timeline.leave(message.from);
    else timeline.hear(message.from, message.tab, message.type === 'state' ? message.rows : []);
    // A panel mounted elsewhere asks what this one has: its rows so far.
    if (message.type === 'hello' && timeline.label)
      relay.post({ type: 'state', from: relay.id, tab: ownTab(), rows: timeline.own() });
    schedule();
  }

  function schedule(): void {
    if (!unmounted) timer ??= setTimeout(flush, drawDelayMs);
  }

  function flush(): void {
    timer = undefined;
    if (stateChanged && timeline.label)
      relay.post({ type: 'state', from: relay.id, tab: ownTab(), rows: [] });
    stateChanged = false;
    panel.setStatus(selected?.ref.deref()?.getSnapshot().status ?? 'no manager');
    draw();
  }

  /** Redraws the view on show (only while the panel is open: a closed panel costs a status text). */
  function draw(): void {
    if (unmounted) return;
    const rows = timeline.rows();
    const events = rows.filter((row): row is TraceEventRow => row.kind === 'event');
    const requests = rows.filter((row): row is TraceRequestRow => row.kind === 'request');
    const others = timeline.otherTabs();
    panel.setCounts({ Timeline: events.length, Requests: requests.length, Tabs: 1 + others.length });
    panel.setManagers(
      shown.map((entry) => ({ index: entry.index, text: `#${entry.index} ${describe(entry)}` })),
      selected?.index ?? 0,
    );
    if (!panel.isOpen) return;
    const view: ViewName = panel.selected;
    const body = panel.body(view);
    if (view === 'Timeline') fill(body, timelineView(events));
    else if (view === 'Requests') fill(body, requestsView(requests));
    else if (view === 'Tabs') fill(body, ...tabsView(ownTab(), others, relayed));
    else {
      const target = selected?.ref.deref();
      if (!selected || !target)
        fill(body, h('p', {}, 'No manager yet: make one through withDevtools(createSessionManager).'));
      else fill(body, ...snapshotView(target.getSnapshot(), serverOf(target), pending, selected.traced));
    }
  }

  /** Reads which tab owns each pending change of the shown manager, when its record is in IndexedDB. */
  function refreshPending(): void {
    const target = selected?.ref.deref();
    if (!target || !panel.isOpen) return;
    const snapshot = target.getSnapshot();
    const read = ++pendingRead;
    if (snapshot.pendingUpdates === 0) {
      pending = { kind: 'rows', rows: [] };
      return;
    }
    if (snapshot.storage !== 'indexeddb') {
      pending = {
        kind: 'unknown',
        why: `The record is kept in ${snapshot.storage === 'custom' ? 'a custom store' : 'memory'}: devtools knows the count only.`,
      };
      return;
    }
    const { baseUrl, tenantId } = serverOf(target);
    const key = `${baseUrl}|${tenantId ?? ''}`;
    const { indexedDB, locks } = selected as Entry;
    void (async () => {
      const entries = (await readPending(key, indexedDB)) ?? [];
      const labels = await ownerLabels(
        key,
        entries.map((entry) => entry.owner),
        timeline.label,
        locks,
      ).catch(() => new Map<string, string>());
      if (read !== pendingRead || unmounted) return;
      pending = {
        kind: 'rows',
        rows: entries.map((entry) => ({ ...entry, ownerLabel: labels.get(entry.owner) ?? entry.owner })),
      };
      if (panel.selected === 'Snapshot') draw();
    })();
  }

  function trace(): DevtoolsTrace {
    return {
      format: 'gkc-session-trace',
      version: 1,
      copiedFrom: timeline.label,
      copiedAt: new Date().toISOString(),
      tabs: [ownTab(), ...timeline.otherTabs()],
      rows: timeline.rows(),
    };
  }

  /** The merged timeline as JSON on the clipboard; where the clipboard is refused, a download. */
  async function copy(): Promise<void> {
    const copied = trace();
    const text = JSON.stringify(copied, null, 2);
    const what = `${copied.rows.length} rows from ${copied.tabs.length} tab${copied.tabs.length === 1 ? '' : 's'}`;
    try {
      await navigator.clipboard.writeText(text);
      panel.notify(`Copied the trace: ${what}.`);
    } catch {
      const name = `gkc-session-trace-${copied.copiedAt.replace(/[:.]/g, '-')}.json`;
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      downloads.add(url);
      const link = h('a', { href: url, download: name, hidden: true });
      panel.host.shadowRoot?.append(link);
      link.click();
      link.remove();
      panel.notify(`The clipboard was refused: the trace (${what}) was downloaded as ${name}.`);
    }
  }

  function unmount(): void {
    if (unmounted) return;
    unmounted = true;
    if (mounted === unmount) mounted = null;
    clearTimeout(timer);
    stopWatching();
    for (const entry of shown) if (entry.sink === sink) entry.sink = null;
    for (const unsubscribe of unsubscribes.values()) unsubscribe();
    relay.close();
    releaseLabel();
    panel.host.remove();
    for (const url of downloads) URL.revokeObjectURL(url);
  }

  const stopWatching = manager ? () => {} : watchEntries(add);
  for (const entry of manager ? [entryOf(manager)] : knownEntries()) add(entry);
  (options.container ?? document.body ?? document.documentElement).append(panel.host);
  panel.setLabel('…');
  if (options.open) panel.open(false); // shown, but the page keeps its focus
  flush();
  void claimLabel(options.label).then(({ label, release }) => {
    if (unmounted) return release();
    releaseLabel = release;
    timeline.label = label;
    panel.setLabel(label);
    relay.post({ type: 'hello', from: relay.id, tab: ownTab() });
    relay.post({ type: 'state', from: relay.id, tab: ownTab(), rows: timeline.own() });
    schedule();
  });
  mounted = unmount;
  return unmount;
}

function eventRow(entry: Entry, event: SessionEvent, at: number): TraceEventRow {
  const { error } = event;
  const code = (error as { code?: unknown } | null)?.code;
  return {
    kind: 'event',
    at,
    tab: '',
    manager: entry.index,
    type: event.type,
    sessionId: event.sessionId,
    reason: event.reason,
    remote: event.remote,
    phase: event.phase,
    pendingUpdates: event.pendingUpdates,
    error: error && {
      name: error.name,
      message: error.message,
      code: typeof code === 'string' ? code : null,
    },
  };
}

function serverOf(manager: SessionManager): { baseUrl: string; tenantId: string | null } {
  const [, baseUrl, tenantId] = manager.queryKey as readonly [string, string, string | null];
  return { baseUrl, tenantId };
}

function describe(entry: Entry): string {
  const target = entry.ref.deref();
  return target ? `${serverOf(target).baseUrl} (${target.getSnapshot().status})` : '(gone)';
}

function describeManager(entry: Entry): TraceManager[] {
  const target = entry.ref.deref();
  if (!target) return [];
  const snapshot: SessionSnapshot = target.getSnapshot();
  return [
    {
      manager: entry.index,
      ...serverOf(target),
      status: snapshot.status,
      sessionId: snapshot.session?.sessionId ?? null,
      pendingUpdates: snapshot.pendingUpdates,
    },
  ];
}
