/**
 * A Knowledge Center in memory, behind a `fetch`, for the model-based test: thousands of runs cannot afford
 * real sockets. It answers the three session calls as the given version does and one Knowledge call; it can
 * be down, fail the next calls with 503, forget every session, and answer in a shuffled order (each answer
 * waits a delay drawn from the run's seed).
 */
export interface ScriptedSession {
  sessionId: string;
  customerId?: string;
  agentId?: string;
  visitId?: string;
  globalVisitId?: string;
  /** Creation order, shared with the model's command clock. */
  createdAt: number;
  /** When it was made, on the run's simulated time. */
  bornAt: number;
}

export interface LoggedCall {
  call: 'create' | 'retrieve' | 'update' | 'knowledge';
  sessionId: string | null;
  customerId: string | null;
  agentId: string | null;
  body: Record<string, unknown>;
  status: number;
  /** When the library sent it, on the run's simulated time (it reaches the server after a delay). */
  sentAt: number;
}

export class ScriptedServer {
  readonly sessions = new Map<string, ScriptedSession>();
  readonly created: ScriptedSession[] = [];
  readonly log: LoggedCall[] = [];
  down = false;
  failNext = 0;
  #ids = 0;
  readonly #clock: () => number;
  readonly #delay: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;

  /** `delay` draws each answer's wait; `sleep` waits it and `now` reads it (the run's simulated time). */
  constructor(
    readonly version: '9' | '8.5.0' | '8.5.1',
    clock: () => number,
    delay: () => number,
    sleep: (ms: number) => Promise<void>,
    now: () => number = () => 0,
  ) {
    this.#clock = clock;
    this.#delay = delay;
    this.#sleep = sleep;
    this.#now = now;
  }

  forget(): void {
    this.sessions.clear();
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const header = headerReader(init.headers);
    const method = (init.method ?? 'GET').toUpperCase();
    const sentAt = this.#now();
    await this.#sleep(this.#delay());
    if (init.signal?.aborted) throw init.signal.reason;
    if (this.down) throw new TypeError('Failed to fetch');
    const body = typeof init.body === 'string' && init.body ? JSON.parse(init.body) : {};
    const identity = { customerId: header('gkc_customerId'), agentId: header('gkc_agentId') };
    const match = /\/sessions\/([^/?]+)$/.exec(url.pathname);
    const call =
      match?.[1] === 'new' ? 'create' : match ? (method === 'GET' ? 'retrieve' : 'update') : 'knowledge';
    const sessionId =
      match && match[1] !== 'new'
        ? decodeURIComponent(match[1] as string)
        : url.searchParams.get('sessionId');
    const entry: LoggedCall = { call, sessionId, ...identity, body, status: 200, sentAt };
    this.log.push(entry);
    const answer = (status: number, payload: unknown) => {
      entry.status = status;
      return jsonAnswer(status, payload);
    };
    if (this.failNext > 0) {
      this.failNext -= 1;
      return answer(503, { code: 'UNAVAILABLE', description: 'try again' });
    }
    const notFound = () => answer(404, { code: 'NOT_FOUND', description: 'Session not found' });
    const known = sessionId ? this.sessions.get(sessionId) : undefined;
    switch (call) {
      case 'create':
        return answer(200, { response: this.#create(identity, body) });
      case 'retrieve':
        if (known) return answer(200, { response: known });
        return this.version === '8.5.1' ? notFound() : answer(200, { response: this.#create(identity, {}) });
      case 'update':
        if (!known)
          return this.version === '8.5.1'
            ? answer(200, { response: this.#create(identity, body) })
            : notFound();
        this.#assign(known, identity, body);
        return answer(200, { response: known });
      default:
        return sessionId && !known ? notFound() : answer(200, { response: { documents: [] } });
    }
  };

  #create(identity: Record<string, string | null>, body: Record<string, unknown>): ScriptedSession {
    const session: ScriptedSession = {
      sessionId: `s${++this.#ids}`,
      createdAt: this.#clock(),
      bornAt: this.#now(),
    };
    this.#assign(session, identity, body);
    this.sessions.set(session.sessionId, session);
    this.created.push(session);
    return { ...session };
  }

  #assign(
    session: ScriptedSession,
    identity: Record<string, string | null>,
    body: Record<string, unknown>,
  ): void {
    for (const field of ['customerId', 'agentId'] as const) {
      const value = identity[field];
      if (value) session[field] = value;
    }
    for (const field of ['visitId', 'globalVisitId'] as const) {
      const value = body[field];
      if (typeof value === 'string') session[field] = value;
    }
  }
}

/** A request's headers, read from a plain record (the session calls) without building a `Headers`. */
function headerReader(headers: HeadersInit = {}): (name: string) => string | null {
  if (headers instanceof Headers || Array.isArray(headers)) {
    const read = new Headers(headers);
    return (name) => read.get(name);
  }
  const byName = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return (name) => byName.get(name.toLowerCase()) ?? null;
}

const jsonHeaders = new Headers({ 'content-type': 'application/json' });

/**
 * An answer with what the library reads of one (status, headers, text, no body stream): a real `Response`
 * builds a stream per call for the library to read back as text, thousands of times a test.
 */
function jsonAnswer(status: number, payload: unknown): Response {
  const text = JSON.stringify(payload);
  const answer = { ok: status < 300, status, statusText: '', headers: jsonHeaders, body: null, url: '' };
  return { ...answer, text: async () => text } as unknown as Response;
}
