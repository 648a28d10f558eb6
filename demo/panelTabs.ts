/**
 * On a narrow screen the three panels (search, session and server, request log) stack into one column, and
 * after a search the session panel would start below a dozen results: there the tabs show one panel at a
 * time, so each is one tap away. On a wide screen the tabs are hidden and every panel shows.
 *
 * The tabs follow the WAI-ARIA tabs pattern: the selected tab is the one in the tab order, the arrow keys,
 * Home and End move between tabs and select them. The panels are tab panels only while the tabs show.
 */
const narrow = window.matchMedia('(max-width: 860px)');

export function panelTabs(list: HTMLElement): void {
  const tabs = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const panelOf = (tab: HTMLElement) => document.getElementById(tab.getAttribute('aria-controls') ?? '');
  let selected = tabs[0];

  const show = () => {
    list.hidden = !narrow.matches;
    for (const tab of tabs) {
      const panel = panelOf(tab);
      const on = tab === selected;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (!panel) continue;
      if (narrow.matches) panel.setAttribute('role', 'tabpanel');
      else panel.removeAttribute('role');
      panel.hidden = narrow.matches && !on;
    }
  };

  const select = (tab: HTMLButtonElement | undefined) => {
    if (!tab) return;
    selected = tab;
    show();
    tab.focus();
    window.scrollTo(0, 0); // the panel from its top, not from where the last one was scrolled to
  };

  list.addEventListener('click', (event) => {
    const tab = (event.target as HTMLElement).closest<HTMLButtonElement>('[role="tab"]');
    if (tab) select(tab);
  });
  list.addEventListener('keydown', (event) => {
    const at = tabs.indexOf(selected as HTMLButtonElement);
    const next: Record<string, number> = {
      ArrowRight: (at + 1) % tabs.length,
      ArrowLeft: (at - 1 + tabs.length) % tabs.length,
      Home: 0,
      End: tabs.length - 1,
    };
    const index = next[event.key];
    if (index === undefined) return;
    event.preventDefault();
    select(tabs[index]);
  });
  narrow.addEventListener('change', show);
  show();
}
