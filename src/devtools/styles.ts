/**
 * The panel's styles, inside its shadow root: the page's styles do not reach it (`:host { all: initial }`
 * stops what would be inherited) and its own do not leak out.
 */
const css = `
:host { all: initial; }
* { box-sizing: border-box; }
.root {
  font: 13px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  color: #1b1b1f;
}
button, select { font: inherit; color: inherit; }
:focus-visible { outline: 2px solid #0b57d0; outline-offset: 2px; }
.toggle {
  position: fixed; right: 12px; bottom: 12px; z-index: 2147483646;
  display: inline-flex; align-items: center; gap: 6px;
  padding: 6px 12px; border: 1px solid #0842a0; border-radius: 999px;
  background: #0b57d0; color: #fff; cursor: pointer; box-shadow: 0 2px 8px rgb(0 0 0 / 25%);
}
.toggle:hover { background: #0842a0; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #fff; }
.dot[data-status='ready'] { background: #a8f0b8; }
.dot[data-status='error'] { background: #ffb4ab; }
.dot[data-status='starting'] { background: #ffe08a; }
.panel {
  position: fixed; right: 12px; bottom: 56px; z-index: 2147483647;
  width: min(760px, calc(100vw - 24px)); height: min(560px, calc(100vh - 72px));
  display: flex; flex-direction: column;
  background: #fff; border: 1px solid #8e8e99; border-radius: 8px; box-shadow: 0 8px 28px rgb(0 0 0 / 30%);
  overflow: hidden;
}
.panel[hidden] { display: none; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 10px; border-bottom: 1px solid #d0d0d7; background: #f3f4f8; }
h2 { margin: 0; font-size: 14px; font-weight: 600; }
h3 { margin: 12px 0 4px; font-size: 13px; font-weight: 600; }
.tab-label { padding: 1px 8px; border-radius: 999px; background: #dde3f6; color: #0d2a6b; }
.spacer { flex: 1; }
header button, header select {
  padding: 3px 10px; border: 1px solid #6b6b76; border-radius: 4px; background: #fff; cursor: pointer;
}
header button:hover { background: #e8eaf2; }
.notice { margin: 0; padding: 4px 10px; min-height: 1.4em; color: #3b3b44; background: #fff; }
.notice:empty { display: none; }
[role='tablist'] { display: flex; gap: 2px; padding: 0 8px; border-bottom: 1px solid #d0d0d7; overflow-x: auto; }
[role='tab'] {
  padding: 6px 10px; border: 0; border-bottom: 3px solid transparent; background: none; cursor: pointer;
  color: #3b3b44; white-space: nowrap;
}
[role='tab'][aria-selected='true'] { border-bottom-color: #0b57d0; color: #0b2e7a; font-weight: 600; }
[role='tabpanel'] { flex: 1; overflow: auto; padding: 8px 10px 12px; }
[role='tabpanel'][hidden] { display: none; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl div { display: contents; }
dt { color: #4a4a55; }
dd { margin: 0; font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace; word-break: break-all; }
table { border-collapse: collapse; width: 100%; font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace; font-size: 12px; }
caption { text-align: left; padding: 2px 0 6px; color: #3b3b44; font-family: system-ui, sans-serif; font-size: 12px; }
th { text-align: left; font-weight: 600; color: #1b1b1f; background: #f3f4f8; position: sticky; top: 0; }
th, td { padding: 3px 8px 3px 0; border-bottom: 1px solid #e4e4ea; white-space: nowrap; }
td:last-child, th:last-child { padding-right: 0; }
.muted { color: #4a4a55; }
p { margin: 4px 0; }
@media (max-width: 480px) {
  .panel { right: 8px; left: 8px; width: auto; bottom: 52px; height: calc(100vh - 64px); }
  .toggle { right: 8px; bottom: 8px; }
}
`;

/**
 * Gives `root` the panel's styles: a constructed stylesheet, which a strict CSP allows without
 * `'unsafe-inline'` in `style-src`. Browsers without `adoptedStyleSheets` (Safari before 16.4, Firefox
 * before 101) get a `<style>` element instead, which such a policy blocks: the panel then shows unstyled.
 */
export function applyStyles(root: ShadowRoot): void {
  if (
    'adoptedStyleSheets' in root &&
    typeof CSSStyleSheet === 'function' &&
    'replaceSync' in CSSStyleSheet.prototype
  ) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    return;
  }
  const style = document.createElement('style');
  style.textContent = css;
  (root as ShadowRoot).append(style);
}
