import type { TraceRow, TraceTab } from './types.js';

/** A row as the relay carries it: numbered in its tab, so that a row heard twice (live, then in a tab's
 * history) is kept once. */
export interface NumberedRow {
  seq: number;
  row: TraceRow;
}

/** Rows kept per tab: a long session stays readable, and a panel left open for hours stays small. */
export const rowsPerTab = 1000;

interface TabRows {
  info: TraceTab;
  rows: Map<number, TraceRow>;
}

/**
 * The merged timeline: this tab's rows and those the other tabs with a panel relayed, each tab's bounded
 * to `rowsPerTab` (its oldest go first). The rows of this tab are tagged with its label when read, since the
 * label is claimed (a Web Lock) after recording has begun.
 */
export class Timeline {
  label = '';
  readonly #local: NumberedRow[] = [];
  #seq = 0;
  readonly #tabs = new Map<string, TabRows>();

  /** Keeps one of this tab's rows; returns it numbered, for the relay. */
  add(row: TraceRow): NumberedRow {
    const numbered = { seq: ++this.#seq, row };
    this.#local.push(numbered);
    if (this.#local.length > rowsPerTab) this.#local.shift();
    return numbered;
  }

  /** This tab's rows, tagged with its label: what it answers another tab's hello with. */
  own(): NumberedRow[] {
    return this.#local.map(({ seq, row }) => ({ seq, row: { ...row, tab: this.label } }));
  }

  /** Takes in what another tab said: its description, and rows it recorded. */
  hear(tabId: string, info: TraceTab, rows: readonly NumberedRow[] = []): void {
    let tab = this.#tabs.get(tabId);
    if (!tab) {
      tab = { info, rows: new Map() };
      this.#tabs.set(tabId, tab);
    }
    tab.info = info;
    for (const { seq, row } of rows) tab.rows.set(seq, { ...row, tab: info.tab });
    if (tab.rows.size > rowsPerTab) {
      const oldest = [...tab.rows.keys()].sort((a, b) => a - b).slice(0, tab.rows.size - rowsPerTab);
      for (const seq of oldest) tab.rows.delete(seq);
    }
  }

  /** Another tab's panel was unmounted: its rows stay, marked as from a closed panel. */
  leave(tabId: string): void {
    const tab = this.#tabs.get(tabId);
    if (tab) tab.info = { ...tab.info, open: false };
  }

  /** The other tabs heard from, in the order of their labels. */
  otherTabs(): TraceTab[] {
    return [...this.#tabs.values()]
      .map((tab) => tab.info)
      .sort((a, b) => a.tab.localeCompare(b.tab, undefined, { numeric: true }));
  }

  /** Every tab's rows, oldest first. */
  rows(): TraceRow[] {
    const all: TraceRow[] = this.own().map(({ row }) => row);
    for (const tab of this.#tabs.values()) all.push(...tab.rows.values());
    return all.sort((a, b) => a.at - b.at);
  }
}
