// The demo's "Devtools" switch: gkc-session/devtools over the page (docs/devtools.md). Its state is kept in
// localStorage, so that every tab of the demo opened once it is on has the panel too, mounted at load, and
// the panels of all those tabs show one merged timeline.
import { mountDevtools, withDevtools } from '../src/devtools/index';
import type { SessionManager, SessionManagerOptions } from '../src/index';

const stored = 'gkc-session-demo:devtools';

/**
 * `createSessionManager`, through `withDevtools` (so that the panel can show the manager's events and
 * requests), with the page's switch (`#devtools-switch`) mounting and unmounting the panel for it.
 */
export function withDevtoolsSwitch(
  create: (options: SessionManagerOptions) => SessionManager,
): (options: SessionManagerOptions) => SessionManager {
  return (options) => {
    const manager = withDevtools(create)(options);
    const box = document.getElementById('devtools-switch');
    if (!(box instanceof HTMLInputElement)) return manager;
    let unmount: (() => void) | undefined;
    const apply = () => {
      if (box.checked) unmount ??= mountDevtools(manager);
      else {
        unmount?.();
        unmount = undefined;
      }
    };
    box.checked = read() === 'on';
    apply();
    box.addEventListener('change', () => {
      write(box.checked ? 'on' : 'off');
      apply();
    });
    return manager;
  };
}

// localStorage throws where storage is refused (some private modes, sandboxed frames): the switch then
// works for this tab alone.
function read(): string | null {
  try {
    return localStorage.getItem(stored);
  } catch {
    return null;
  }
}

function write(value: string): void {
  try {
    localStorage.setItem(stored, value);
  } catch {}
}
