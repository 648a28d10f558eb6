// happy-dom has no IndexedDB: fake-indexeddb gives the library a real implementation of the API.
// Files that run in the plain Node environment get none, as on a server.
if (typeof window !== 'undefined') {
  await import('fake-indexeddb/auto');
  await quietExpectedRequestFailures();
}

/**
 * happy-dom prints every failed request as a browser's console would (`POST http://127.0.0.1:…/sessions/new
 * 502 (Bad Gateway)`, and the Node error, stack and all, of a connection the stand-in resets). It prints
 * them on the console it was handed when Vitest set up the environment: Node's own, taken before Vitest
 * starts capturing, so they reach the terminal raw and `onConsoleLog` never sees them. The tests provoke
 * them by the hundred (a server that is down, refuses, answers 404 to an unknown session). Exactly those go;
 * anything else happy-dom prints is passed on to Vitest's console, where the reporter shows it.
 */
async function quietExpectedRequestFailures(): Promise<void> {
  const { default: nodeConsole } = await import('node:console');
  const failedRequest = /^(GET|PUT|POST|DELETE|PATCH) http:\/\/127\.0\.0\.1:\d+\/\S* [45]\d\d \([\w -]+\)$/;
  const networkCodes = new Set(['ECONNRESET', 'ECONNREFUSED']);
  const expected = (args: unknown[]) => {
    const [only] = args;
    if (args.length !== 1) return false;
    if (typeof only === 'string') return failedRequest.test(only);
    return only instanceof Error && networkCodes.has((only as { code?: unknown }).code as string);
  };
  for (const level of ['error', 'warn', 'log'] as const) {
    const print = nodeConsole[level].bind(nodeConsole);
    nodeConsole[level] = (...args: unknown[]) => {
      if (expected(args)) return;
      if (globalThis.console === nodeConsole) print(...args);
      else globalThis.console[level](...args);
    };
  }
}

export {};
