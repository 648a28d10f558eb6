// The demo widget: plain TypeScript and DOM over gkc-session. Server data is only ever shown with
// textContent; the stand-in's controls live under /__gkc/ on the same origin.
import { createSessionManager, isSessionError, type SessionSnapshot } from '../src/index';

const manager = createSessionManager({
  baseUrl: '/gks-server/v1',
  // Short backoff so that the server toggles show recovery within seconds.
  retry: { attempts: 3, minDelayMs: 300, maxDelayMs: 3000 },
  timeoutMs: 5000,
});
// For the end-to-end tests and the curious: the manager of this page.
(window as unknown as { manager: typeof manager }).manager = manager;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** The payload of a Knowledge Center answer, whatever its envelope. */
async function payload(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  return (body.response ?? body.data ?? body) as Record<string, unknown>;
}

function describe(error: unknown): string {
  if (isSessionError(error)) return `${error.name} (${error.code}): ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

// ---- Session panel -------------------------------------------------------------------------------------

function render(snapshot: SessionSnapshot): void {
  const { status, session, storage, storageError, pendingUpdates, change, error } = snapshot;
  const pill = element('status-pill');
  pill.textContent = status;
  pill.dataset.status = status;
  element('f-status').textContent = status;
  element('f-session').textContent = session?.sessionId ?? '—';
  element('f-customer').textContent = session?.customerId ?? 'anonymous';
  element('f-visit').textContent = session?.visitId ?? '—';
  element('f-global').textContent = session?.globalVisitId ?? '—';
  element('f-storage').textContent = storageError ? `${storage}: ${storageError.message}` : storage;
  element('f-pending').textContent = String(pendingUpdates);
  element('f-change').textContent = change
    ? `${change.reason}${change.remote ? ' (by another tab)' : ''}${
        change.previousSessionId && change.previousSessionId !== change.sessionId
          ? `, was ${change.previousSessionId.slice(0, 8)}…`
          : ''
      }`
    : '—';
  const errorText = element('f-error');
  errorText.textContent = error ? describe(error) : 'none';
  errorText.classList.toggle('error-text', error !== null);
}

manager.subscribe(render);
render(manager.getSnapshot());
manager.ready().catch(() => {}); // a failure shows in the panel; the next action tries again

element<HTMLFormElement>('visit-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const visitId = element<HTMLInputElement>('visit-id').value.trim();
  const globalVisitId = element<HTMLInputElement>('global-visit-id').value.trim();
  manager
    .update({ ...(visitId && { visitId }), ...(globalVisitId && { globalVisitId }) })
    .catch((error: unknown) => say(`Update refused: ${describe(error)}`));
});

element<HTMLFormElement>('identify-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const customerId = element<HTMLInputElement>('customer-id').value.trim();
  manager.identify({ customerId }).catch((error: unknown) => say(`Sign-in failed: ${describe(error)}`));
});

element('reset').addEventListener('click', () => {
  element<HTMLInputElement>('customer-id').value = '';
  manager.reset().catch((error: unknown) => say(`Reset failed: ${describe(error)}`));
});

// ---- Search --------------------------------------------------------------------------------------------

const json = { 'content-type': 'application/json' };
let lastQuery = '';

function say(message: string): void {
  element('search-status').textContent = message;
}

interface Hit {
  id: string;
  title: string;
  snippet?: string;
  category?: string;
}

function articleItem(hit: Hit, withVotes: boolean): HTMLLIElement {
  const item = make('li', undefined, 'result');
  const title = make('h3', hit.title);
  item.append(title);
  if (hit.category) item.append(make('span', hit.category, 'tag'));
  if (hit.snippet) item.append(make('p', `${hit.snippet}…`));
  if (withVotes) {
    const votes = make('div', undefined, 'votes');
    const question = make('span', 'Helpful?', 'muted');
    const yes = make('button', 'Yes', 'secondary small');
    const no = make('button', 'No', 'secondary small');
    yes.type = 'button';
    no.type = 'button';
    yes.setAttribute('aria-label', `${hit.title} was helpful`);
    no.setAttribute('aria-label', `${hit.title} was not helpful`);
    const vote = async (relevant: boolean) => {
      yes.disabled = true;
      no.disabled = true;
      try {
        const path = `feedback/support/documents/${encodeURIComponent(hit.id)}/vote?relevant=${relevant}&lang=en`;
        const response = await manager.fetch(path, { method: 'POST' });
        question.textContent = response.ok
          ? 'Thanks for your feedback'
          : `Vote not recorded (${response.status})`;
      } catch (error) {
        question.textContent = describe(error);
        yes.disabled = false;
        no.disabled = false;
      }
    };
    yes.addEventListener('click', () => void vote(true));
    no.addEventListener('click', () => void vote(false));
    votes.append(question, yes, no);
    item.append(votes);
  }
  return item;
}

element<HTMLFormElement>('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = element<HTMLInputElement>('query').value.trim();
  if (!query) return;
  lastQuery = query;
  say('Searching…');
  const results = element('results');
  try {
    const response = await manager.fetch('kbs/support/search?lang=en', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query, size: 8 }),
    });
    if (!response.ok) throw new Error(`The search failed (${response.status})`);
    const { documents } = (await payload(response)) as { documents: Hit[] };
    results.replaceChildren(...documents.map((hit) => articleItem(hit, true)));
    const count = documents.length === 1 ? '1 article' : `${documents.length} articles`;
    say(documents.length ? `${count} for “${query}”` : `No article matches “${query}”`);
    element('no-answer').hidden = false;
  } catch (error) {
    say(describe(error));
  }
});

element('no-answer-button').addEventListener('click', async () => {
  try {
    const response = await manager.fetch('feedback/support/noAnswer?lang=en', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: lastQuery }),
    });
    say(response.ok ? 'Thanks: we will write an article for that.' : `Not recorded (${response.status})`);
  } catch (error) {
    say(describe(error));
  }
});

let suggestTimer: ReturnType<typeof setTimeout> | undefined;
element<HTMLInputElement>('query').addEventListener('input', (event) => {
  const text = (event.target as HTMLInputElement).value.trim();
  clearTimeout(suggestTimer);
  if (text.length < 2) return;
  suggestTimer = setTimeout(async () => {
    try {
      const response = await manager.fetch('kbs/support/suggestions', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ query: text }),
      });
      if (!response.ok) return;
      const { suggestions } = (await payload(response)) as { suggestions: string[] };
      element('suggestions').replaceChildren(
        ...suggestions.map((title) => Object.assign(make('option'), { value: title })),
      );
    } catch {
      // Type-ahead is a nicety: a failure shows nowhere.
    }
  }, 200);
});

async function loadTop(): Promise<void> {
  try {
    const response = await manager.fetch('kbs/support/top?size=5');
    if (!response.ok) return;
    const { documents } = (await payload(response)) as { documents: Hit[] };
    element('top').replaceChildren(...documents.map((hit) => articleItem(hit, false)));
  } catch {
    // The panel shows the session error; the list stays empty.
  }
}
void loadTop();

// ---- The stand-in server: its log and its fault controls ------------------------------------------------

interface ServerState {
  config: { version: string };
  faults: { down?: boolean; delayMs?: number };
  log: {
    at: number;
    method: string;
    call: string;
    path: string;
    sessionId: string | null;
    customerId: string | null;
    status: number;
  }[];
}

async function control(action: string, body?: unknown): Promise<ServerState> {
  const response = await fetch(`/__gkc/${action}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: json,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return (await response.json()) as ServerState;
}

function renderLog(state: ServerState): void {
  const rows = state.log
    .slice(-30)
    .reverse()
    .map((entry) => {
      const row = make('tr');
      row.append(
        make('td', new Date(entry.at).toLocaleTimeString()),
        make('td', `${entry.method} ${entry.call === 'unknown' ? entry.path : entry.call}`),
        make('td', entry.sessionId ?? '—', 'mono'),
        make('td', entry.customerId ?? '—'),
        make(
          'td',
          entry.status === 0 ? 'reset' : String(entry.status),
          entry.status >= 400 || entry.status === 0 ? 'bad' : 'ok',
        ),
      );
      return row;
    });
  element('log').replaceChildren(...rows);
}

const down = element<HTMLInputElement>('server-down');
const slow = element<HTMLInputElement>('server-slow');
const version = element<HTMLSelectElement>('server-version');
const setFaults = () =>
  control('faults', { down: down.checked, delayMs: slow.checked ? 1500 : 0 }).then(renderLog);
down.addEventListener('change', setFaults);
slow.addEventListener('change', setFaults);
version.addEventListener(
  'change',
  () => void control('configure', { version: version.value }).then(renderLog),
);
element('forget').addEventListener('click', () => void control('forget-sessions', {}).then(renderLog));

async function poll(): Promise<void> {
  if (document.visibilityState === 'visible') {
    try {
      const state = await control('state');
      renderLog(state);
      down.checked = Boolean(state.faults.down);
      slow.checked = Boolean(state.faults.delayMs);
      version.value = state.config.version;
    } catch {
      // The stand-in is part of the dev server: if it is gone, so is the page.
    }
  }
  setTimeout(poll, 1000);
}
void poll();
