/**
 * The panel's DOM, built with createElement and textContent only: no markup string is ever parsed, so a page
 * that requires Trusted Types for script sinks (`require-trusted-types-for 'script'`) lets it run, and no
 * value shown (a session id, a path, an error message) can become markup.
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined>;

/** An element with these attributes (`false` and `undefined` leave one out, `true` sets it empty) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  append(element, children);
  return element;
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

function append(parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/** A table with a caption, column headers and rows of text cells. */
export function table(
  caption: string,
  columns: readonly string[],
  rows: readonly Child[][],
): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...columns.map((column) => h('th', { scope: 'col' }, column)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))),
  );
}

/** Local time with milliseconds, `14:03:07.215`: rows of one trace are seconds apart at most. */
export function clockTime(at: number): string {
  const date = new Date(at);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(
    date.getMilliseconds(),
  ).padStart(3, '0')}`;
}
