import type { NumberedRow } from './timeline.js';
import type { TraceTab } from './types.js';

/** The devtools' own channel: the library's (`gkc-session:…`) never carries a devtools message. */
export const relayChannelName = 'gkc-session-devtools';

/**
 * What the panels of one profile tell each other. `hello`: a panel was mounted (the others answer with what
 * they recorded); `state`: a tab's description and rows, new or asked for; `bye`: a panel was unmounted.
 */
export type RelayMessage =
  | { type: 'hello'; from: string; tab: TraceTab }
  | { type: 'state'; from: string; tab: TraceTab; rows: NumberedRow[] }
  | { type: 'bye'; from: string };

interface Envelope {
  kind: typeof relayChannelName;
  v: 1;
}

/**
 * The relay between the panels of one profile: a BroadcastChannel opened when a panel is mounted and closed
 * when it is unmounted. While no panel is mounted in a tab, that tab posts nothing and listens to nothing.
 */
export class Relay {
  /** This panel's id on the channel (a label can be claimed again by another tab later; the id cannot). */
  readonly id = Math.random().toString(36).slice(2, 10);
  #channel: BroadcastChannel | null = null;

  constructor(readonly onMessage: (message: RelayMessage) => void) {}

  /** Opens the channel; false where there is no BroadcastChannel (the panel then shows this tab only). */
  open(): boolean {
    if (this.#channel || typeof BroadcastChannel !== 'function') return this.#channel !== null;
    const channel = new BroadcastChannel(relayChannelName);
    channel.onmessage = (event: MessageEvent) => {
      const message = readMessage(event.data);
      if (message && message.from !== this.id) this.onMessage(message);
    };
    this.#channel = channel;
    return true;
  }

  post(message: RelayMessage): void {
    try {
      this.#channel?.postMessage({ kind: relayChannelName, v: 1, ...message } satisfies Envelope &
        RelayMessage);
    } catch {
      // A row that cannot be cloned (it never should: rows are plain data) is not worth breaking the page for.
    }
  }

  /** Says goodbye, then closes the channel. */
  close(): void {
    this.post({ type: 'bye', from: this.id });
    this.#channel?.close();
    this.#channel = null;
  }
}

/** Another tab may run another version of devtools: what is not understood is dropped. */
function readMessage(data: unknown): RelayMessage | null {
  const message = data as Partial<Envelope> & {
    type?: unknown;
    from?: unknown;
    tab?: unknown;
    rows?: unknown;
  };
  if (typeof message !== 'object' || message === null) return null;
  if (message.kind !== relayChannelName || message.v !== 1 || typeof message.from !== 'string') return null;
  if (message.type === 'bye') return { type: 'bye', from: message.from };
  if (!isTab(message.tab)) return null;
  if (message.type === 'hello') return { type: 'hello', from: message.from, tab: message.tab };
  if (message.type === 'state' && Array.isArray(message.rows)) {
    const rows = (message.rows as unknown[]).filter(isNumberedRow);
    return { type: 'state', from: message.from, tab: message.tab, rows };
  }
  return null;
}

function isTab(value: unknown): value is TraceTab {
  const tab = value as Partial<TraceTab> | null;
  return (
    typeof tab === 'object' &&
    tab !== null &&
    typeof tab.tab === 'string' &&
    typeof tab.url === 'string' &&
    Array.isArray(tab.managers)
  );
}

function isNumberedRow(value: unknown): value is NumberedRow {
  const numbered = value as Partial<NumberedRow> | null;
  const row = numbered?.row as { kind?: unknown; at?: unknown } | undefined;
  return (
    typeof numbered?.seq === 'number' &&
    typeof row === 'object' &&
    row !== null &&
    (row.kind === 'event' || row.kind === 'request') &&
    typeof row.at === 'number'
  );
}
