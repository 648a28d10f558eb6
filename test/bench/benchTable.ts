// The bench's results: rows with their targets, the table printed and written into docs/performance.md,
// and the sentences that cite the figures (generated, so that the prose cannot go stale).
import { readFileSync, writeFileSync } from 'node:fs';

export interface Target {
  op: '<=' | '=';
  limit: number;
}

export type Unit = 'x' | 'ms' | 'requests' | 'MB';

export interface Row {
  measure: string;
  value: number;
  unit: Unit;
  /** Absent: shown for information, not judged. */
  target?: Target;
  /**
   * A timing depends on the machine's load and is not judged in a quick run (too few loads); a count or
   * the heap's growth is judged in every run.
   */
  timing: boolean;
  /** How the figure was taken: samples, how they were reduced, their spread. */
  how: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('the median of no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function format(value: number, unit: Unit): string {
  if (unit === 'requests') return String(value);
  if (unit === 'x') return value.toFixed(3);
  return `${value.toFixed(2)} ${unit}`;
}

/** `1 load`, `2 loads`. */
export function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `25 loads, 2.41–5.10 ms`: how many samples (`what`, in the singular), the smallest and the largest. */
export function spread(values: readonly number[], unit: Unit, what: string): string {
  const low = format(Math.min(...values), unit);
  const high = format(Math.max(...values), unit);
  return `${count(values.length, what)}, ${low === high ? low : `${low}–${high}`}`;
}

export class BenchTable {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  readonly #quick: boolean;

  constructor(quick: boolean) {
    this.#quick = quick;
  }

  add(row: Row): void {
    this.rows.push(row);
  }

  /** A sentence for the documentation, citing figures of this run. */
  note(text: string): void {
    this.notes.push(text);
  }

  judged(row: Row): boolean {
    return row.target !== undefined && !(this.#quick && row.timing);
  }

  met(row: Row): boolean {
    const { target } = row;
    if (!target) return true;
    return target.op === '=' ? row.value === target.limit : row.value <= target.limit;
  }

  /** The rows judged and missed. */
  missed(): Row[] {
    return this.rows.filter((row) => this.judged(row) && !this.met(row));
  }

  /** The table in Markdown, padded so that it reads in a terminal too. */
  render(): string {
    const header = ['measure', 'result', 'target', 'met', 'how'];
    const lines = this.rows.map((row) => {
      const limit = row.target && (row.unit === 'x' || row.unit === 'requests' ? '' : ` ${row.unit}`);
      const target = row.target ? `${row.target.op} ${row.target.limit}${limit}` : 'info';
      const verdict = !row.target ? '' : !this.judged(row) ? 'not judged' : this.met(row) ? 'met' : 'NOT met';
      return [row.measure, format(row.value, row.unit), target, verdict, row.how];
    });
    const widths = header.map((title, i) =>
      Math.max(title.length, ...lines.map((line) => (line[i] as string).length)),
    );
    const render = (cells: string[]) =>
      `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
    return [
      render(header),
      `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
      ...lines.map(render),
    ].join('\n');
  }
}

/** Wraps `text` at `width` columns, as the documentation is wrapped; lines after the first start with `indent`. */
export function wrap(text: string, width = 110, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (next.length > width && line) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = next;
  }
  return [...lines, line].join('\n');
}

export const benchStart = '<!-- bench:start -->';
export const benchEnd = '<!-- bench:end -->';

/** Replaces what lies between the bench's markers in `file` with `section`. */
export function writeBenchSection(file: string, section: string): void {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(benchStart);
  const end = text.indexOf(benchEnd);
  if (start < 0 || end < start) throw new Error(`${file} has no ${benchStart} … ${benchEnd} section`);
  const before = text.slice(0, start + benchStart.length);
  writeFileSync(file, `${before}\n${section.trim()}\n${text.slice(end)}`);
}
