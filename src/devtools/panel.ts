import { fill, h } from './dom.js';
import { applyStyles } from './styles.js';

export const views = ['Snapshot', 'Timeline', 'Requests', 'Tabs'] as const;
export type ViewName = (typeof views)[number];

export interface PanelCallbacks {
  onOpen(): void;
  onCopy(): void;
  onSelectManager(index: number): void;
  onSelectView(name: ViewName): void;
}

/**
 * The panel's shell: a toggle button in a corner, and a non-modal dialog over the page with a header and
 * four views behind tabs (WAI-ARIA tabs: arrow keys, Home and End move between them). Escape or Close
 * closes it and gives focus back to the toggle. Everything lives in an open shadow root on one host element
 * appended to the page, which `remove()` takes away with every node and listener.
 */
export class Panel {
  readonly host = h('div', { 'data-gkc-session-devtools': '' });
  readonly #toggle = h('button', {
    type: 'button',
    class: 'toggle',
    'aria-expanded': 'false',
    'aria-controls': 'panel',
  });
  readonly #dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  readonly #toggleText = h('span', {});
  readonly #dialog = h('div', {
    id: 'panel',
    class: 'panel',
    role: 'dialog',
    'aria-modal': 'false',
    'aria-labelledby': 'title',
    hidden: true,
  });
  readonly #label = h('span', { class: 'tab-label' });
  readonly #managers = h('select', { id: 'manager' });
  readonly #managerField = h('label', { class: 'manager', hidden: true }, 'Manager ', this.#managers);
  readonly #notice = h('p', { class: 'notice', role: 'status' });
  readonly #tabs = new Map<ViewName, HTMLButtonElement>();
  readonly #bodies = new Map<ViewName, HTMLElement>();
  #selected: ViewName = 'Snapshot';
  #shownManagers = '';

  readonly #callbacks: PanelCallbacks;

  constructor(callbacks: PanelCallbacks) {
    this.#callbacks = callbacks;
    const root = this.host.attachShadow({ mode: 'open' });
    applyStyles(root);
    this.#toggle.append(this.#dot, this.#toggleText);
    this.#toggle.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));

    const copy = h('button', { type: 'button' }, 'Copy trace');
    copy.addEventListener('click', () => callbacks.onCopy());
    const close = h('button', { type: 'button' }, 'Close');
    close.addEventListener('click', () => this.close());
    this.#managers.addEventListener('change', () => callbacks.onSelectManager(Number(this.#managers.value)));

    const tablist = h('div', { role: 'tablist', 'aria-label': 'Views' });
    for (const name of views) {
      const id = name.toLowerCase();
      const tab = h('button', {
        type: 'button',
        role: 'tab',
        id: `tab-${id}`,
        'aria-controls': `view-${id}`,
        'aria-selected': String(name === this.#selected),
        tabindex: name === this.#selected ? '0' : '-1',
      });
      tab.addEventListener('click', () => this.select(name));
      const body = h('div', {
        role: 'tabpanel',
        id: `view-${id}`,
        'aria-labelledby': `tab-${id}`,
        tabindex: '0',
        hidden: name !== this.#selected,
      });
      this.#tabs.set(name, tab);
      this.#bodies.set(name, body);
      tablist.append(tab);
    }
    tablist.addEventListener('keydown', (event) => this.#moveBetweenTabs(event));
    this.#dialog.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      this.close();
    });

    fill(
      this.#dialog,
      h(
        'header',
        {},
        h('h2', { id: 'title' }, 'gkc-session devtools'),
        this.#label,
        this.#managerField,
        h('span', { class: 'spacer' }),
        copy,
        close,
      ),
      this.#notice,
      tablist,
      ...this.#bodies.values(),
    );
    root.append(
      h('aside', { class: 'root', 'aria-label': 'gkc-session devtools' }, this.#toggle, this.#dialog),
    );
    this.setCounts({});
  }

  get isOpen(): boolean {
    return !this.#dialog.hidden;
  }

  get selected(): ViewName {
    return this.#selected;
  }

  /** Opens the panel; `focus` moves the focus into it (to the selected view's tab), as a user's opening does. */
  open(focus = true): void {
    this.#dialog.hidden = false;
    this.#toggle.setAttribute('aria-expanded', 'true');
    this.#callbacks.onOpen();
    if (focus) this.#tabs.get(this.#selected)?.focus();
  }

  close(): void {
    if (!this.isOpen) return;
    const hadFocus = this.host.shadowRoot?.activeElement !== null;
    this.#dialog.hidden = true;
    this.#toggle.setAttribute('aria-expanded', 'false');
    if (hadFocus) this.#toggle.focus();
  }

  select(name: ViewName, focus = false): void {
    this.#selected = name;
    for (const [view, tab] of this.#tabs) {
      const on = view === name;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      (this.#bodies.get(view) as HTMLElement).hidden = !on;
      if (on && focus) tab.focus();
    }
    this.#callbacks.onSelectView(name);
  }

  /** The body of a view, to fill. */
  body(name: ViewName): HTMLElement {
    return this.#bodies.get(name) as HTMLElement;
  }

  /** The toggle's text: the shown manager's status, which stays visible while the panel is closed. */
  setStatus(status: string): void {
    this.#dot.dataset.status = status;
    this.#toggleText.textContent = `gkc-session: ${status}`;
  }

  setLabel(label: string): void {
    this.#label.textContent = label;
  }

  setCounts(counts: Partial<Record<ViewName, number>>): void {
    for (const [name, tab] of this.#tabs) {
      const count = counts[name];
      tab.textContent = count === undefined ? name : `${name} ${count}`;
    }
  }

  /** The managers to choose from; the select shows only when there are several. */
  setManagers(choices: readonly { index: number; text: string }[], selected: number): void {
    // Rebuilt only when they change: rebuilding an open select would close it under the pointer.
    const shown = JSON.stringify([choices, selected]);
    if (shown === this.#shownManagers) return;
    this.#shownManagers = shown;
    this.#managerField.hidden = choices.length < 2;
    fill(
      this.#managers,
      ...choices.map(({ index, text }) =>
        h('option', { value: String(index), selected: index === selected }, text),
      ),
    );
  }

  notify(text: string): void {
    this.#notice.textContent = text;
  }

  #moveBetweenTabs(event: KeyboardEvent): void {
    const at = views.indexOf(this.#selected);
    const next =
      event.key === 'ArrowRight'
        ? (at + 1) % views.length
        : event.key === 'ArrowLeft'
          ? (at - 1 + views.length) % views.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? views.length - 1
              : -1;
    if (next === -1) return;
    event.preventDefault();
    this.select(views[next] as ViewName, true);
  }
}
