/**
 * A numeric option: `fallback` when absent, else a finite number within `bound` (the bound is also the text
 * the error shows). Throws a `TypeError` naming the option and what it got.
 */
export function numberOption(name: string, value: unknown, fallback: number, bound: '> 0' | '>= 0'): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && bound === '> 0')) {
    throw new TypeError(`${name} must be a number ${bound}, got ${String(value)}`);
  }
  return value;
}
