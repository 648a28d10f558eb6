// The demo widget: plain TypeScript and DOM over gkc-session. Server data is only ever shown with
// textContent; the stand-in's controls live under /__gkc/ on the same origin.
import {
  createSessionManager,
  isSessionError,
  isSessionErrorWithCode,
  readKnowledgeAnswer,
  type SessionSnapshot,
} from '../src/index';
import { withDevtoolsSwitch } from './devtools';
import { panelTabs } from './panelTabs';

/** The trace lines that are answers of the server to this page's session calls. */
const answered = new Set(['acknowledged', 'established', 'checked']);

const manager = withDevtoolsSwitch(createSessionManager)({
  baseUrl: '/gks-server/v1',
  // Short backoff so that the server toggles show recovery within seconds.
  retry: { attempts: 3, minDelayMs: 300, maxDelayMs: 3000 },
  timeoutMs: 5000,
  onEvent: (event) => {
    if (answered.has(event.type) && !event.remote) serverIsBack();
  },
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

function describe(error: unknown): string {
  if (isSessionError(error)) return `${error.name} (${error.code}): ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

// ---- Errors that go stale -------------------------------------------------------------------------------

/**
 * A message about a server that could not be reached stays true only while it cannot be: each one shown
 * registers how to put back what it replaced, and runs once the server has answered a call again (a session
 * call of this page, a Knowledge call, or the stand-in saying its toggles are off). A snapshot alone proves
 * nothing: an update queued while the server is down is `ready` with no error too.
 */
const staleWhenBack = new Set<() => void>();

function showFailure(error: unknown, show: (text: string) => void, restore: () => void): void {
  show(describe(error));
  if (isSessionErrorWithCode(error, 'network') || isSessionErrorWithCode(error, 'timeout')) {
    staleWhenBack.add(restore);
  }
}

function serverIsBack(): void {
  for (const restore of staleWhenBack) restore();
  staleWhenBack.clear();
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

/** The panel's line for the Knowledge calls, whose failures are the page's to show, not the snapshot's. */
function showRequestError(text: string | null): void {
  const line = element('f-request-error');
  line.textContent = text ?? 'none';
  line.classList.toggle('error-text', text !== null);
}

/**
 * A Knowledge API call under the session: its payload, out of whichever envelope the server uses. Any answer
 * shows the server reachable; a failure shows in the session panel until a call succeeds.
 */
async function knowledge<T>(call: string, path: string, init?: RequestInit): Promise<T> {
  try {
    const response = await manager.fetch(path, init);
    serverIsBack();
    const payload = await readKnowledgeAnswer<T>(response);
    showRequestError(null);
    return payload;
  } catch (error) {
    showRequestError(`${call}: ${describe(error)}`);
    throw error;
  }
}

panelTabs(element('panel-tabs'));
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
    // The buttons' names are what they show (a speech user says "Yes"); the group says which article.
    title.id = `article-${hit.id}`;
    question.id = `article-${hit.id}-question`;
    votes.setAttribute('role', 'group');
    votes.setAttribute('aria-labelledby', `${title.id} ${question.id}`);
    const vote = async (relevant: boolean) => {
      yes.disabled = true;
      no.disabled = true;
      try {
        const path = `feedback/support/documents/${encodeURIComponent(hit.id)}/vote?relevant=${relevant}&lang=en`;
        await knowledge('vote', path, { method: 'POST' });
        question.textContent = 'Thanks for your feedback';
      } catch (error) {
        yes.disabled = false;
        no.disabled = false;
        showFailure(
          error,
          (text) => {
            question.textContent = text;
          },
          () => {
            question.textContent = 'Helpful?';
          },
        );
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
  clearTimeout(suggestTimer); // the query is sent: type-ahead for it would only arrive after the results
  say('Searching…');
  const results = element('results');
  const noAnswer = element('no-answer');
  noAnswer.hidden = true;
  try {
    const { documents } = await knowledge<{ documents: Hit[] }>('search', 'kbs/support/search?lang=en', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query, size: 8 }),
    });
    results.replaceChildren(...documents.map((hit) => articleItem(hit, true)));
    const count = documents.length === 1 ? '1 article' : `${documents.length} articles`;
    say(documents.length ? `${count} for “${query}”` : `No article matches “${query}”`);
    element<HTMLButtonElement>('no-answer-button').disabled = false;
    noAnswer.hidden = false;
  } catch (error) {
    showFailure(error, say, () => say('The server answers again: search again.'));
  }
});

element<HTMLButtonElement>('no-answer-button').addEventListener('click', async (event) => {
  // The row shows only after a search; a feedback without the query it is about says nothing.
  if (!lastQuery) return;
  const button = event.currentTarget as HTMLButtonElement;
  button.disabled = true;
  try {
    await knowledge('no-answer', 'feedback/support/noAnswer?lang=en', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: lastQuery }),
    });
    say('Thanks: we will write an article for that.');
  } catch (error) {
    button.disabled = false;
    showFailure(error, say, () => say('The server answers again: send it again.'));
  }
});

let suggestTimer: ReturnType<typeof setTimeout> | undefined;
element<HTMLInputElement>('query').addEventListener('input', (event) => {
  const text = (event.target as HTMLInputElement).value.trim();
  clearTimeout(suggestTimer);
  if (text.length < 2) return;
  suggestTimer = setTimeout(async () => {
    try {
      const { suggestions } = await knowledge<{ suggestions: string[] }>(
        'suggestions',
        'kbs/support/suggestions',
        {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ query: text }),
        },
      );
      element('suggestions').replaceChildren(
        ...suggestions.map((title) => Object.assign(make('option'), { value: title })),
      );
    } catch {
      // Type-ahead is a nicety: a failure shows in the session panel only.
    }
  }, 200);
});

async function loadTop(): Promise<void> {
  try {
    const { documents } = await knowledge<{ documents: Hit[] }>('top', 'kbs/support/top?size=5');
    element('top').replaceChildren(...documents.map((hit) => articleItem(hit, false)));
  } catch {
    // The session panel shows the failure; the list stays empty.
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

/** Counts the changes made here, so that a poll answered before the latest one does not undo it on screen. */
let changesMade = 0;

async function control(action: string, body?: unknown): Promise<ServerState> {
  if (body !== undefined) changesMade += 1;
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
        make('td', new Date(entry.at).toLocaleTimeString(), 'time'),
        make('td', `${entry.method} ${entry.call === 'unknown' ? entry.path : entry.call}`, 'call'),
        make('td', entry.sessionId ?? '—', 'session mono'),
        make('td', entry.customerId ?? '—', 'customer'),
        make(
          'td',
          entry.status === 0 ? 'reset' : String(entry.status),
          `status ${entry.status >= 400 || entry.status === 0 ? 'bad' : 'ok'}`,
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
const note = (text: string) => {
  element('server-note').textContent = text;
};
/**
 * Where the choice shows: the versions differ on a Retrieve of an unknown session, which the manager makes
 * when it checks its stored session at load. Knowledge calls under an unknown session are refused alike.
 */
const retrieveAnswers: Record<string, string> = {
  '9': '9.x answers with a new session of its own (last change: replaced)',
  '8.5.0': '8.5.0 answers with a new session of its own (last change: replaced)',
  '8.5.1': '8.5.1 answers "Session not found", and the manager creates a session (last change: not-found)',
};
const explainUnknownSession = (before = '') =>
  note(
    `${before}The answer chosen applies when the manager checks its stored session, at page load: to a ` +
      `session it does not know, ${retrieveAnswers[version.value]}. Forget all sessions, then reload to see ` +
      'it. A search under an unknown session is answered 404 in every version: the manager creates a new ' +
      'session (last change: not-found).',
  );
version.addEventListener('change', () => {
  void control('configure', { version: version.value }).then(renderLog);
  explainUnknownSession();
});
element('forget').addEventListener('click', () => {
  void control('forget-sessions', {}).then(renderLog);
  explainUnknownSession('The server forgot every session. ');
});

async function poll(): Promise<void> {
  if (document.visibilityState === 'visible') {
    try {
      const before = changesMade;
      const state = await control('state');
      renderLog(state);
      // Another tab may have flipped the toggles; a state read before a change made here is already stale.
      if (before !== changesMade) return void setTimeout(poll, 1000);
      down.checked = Boolean(state.faults.down);
      slow.checked = Boolean(state.faults.delayMs);
      if (version.value !== state.config.version) {
        version.value = state.config.version;
        explainUnknownSession();
      }
      if (!state.faults.down && !state.faults.delayMs) serverIsBack();
    } catch {
      // The stand-in is part of the dev server: if it is gone, so is the page.
    }
  }
  setTimeout(poll, 1000);
}
void poll();
