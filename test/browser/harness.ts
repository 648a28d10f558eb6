import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import { createKnowledgeServer, type KnowledgeServer } from '../server/knowledgeServer';
import { type Engine, type EngineName, type EnginePage, launchEngine, type Profile } from './engines';
import { offlineEmulationScript } from './webkitEngine';

/**
 * One origin that serves a test page, the library bundled for it, and the stand-in Knowledge Center under
 * /gks-server/v1; with an engine from ./engines (the adapter whose API is described there) to open it in.
 */

export { chromiumArgs, chromiumPath, launchChromium } from './engines';

/**
 * Bundles `entry` (and what it imports) into one ES module, in memory. `development` bundles what a dev server
 * would serve: React's development build, with Strict Mode's double effects and its hydration warnings. The
 * package says it has no side effects (`sideEffects: false`), which would drop a test module imported only for
 * its effects: `testModulesRun` keeps those of this folder.
 */
export async function bundle(
  entry: string,
  { minify = false, development = false, testModulesRun = false } = {},
): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    // An application's bundler defines it; query-core reads it to drop its development warnings, React to
    // pick its production or development build.
    define: { 'process.env.NODE_ENV': JSON.stringify(development ? 'development' : 'production') },
    build: {
      write: false,
      minify,
      target: 'es2022',
      lib: { entry: fileURLToPath(new URL(entry, import.meta.url)), formats: ['es'], fileName: 'entry' },
    },
    plugins: testModulesRun ? [testModulesHaveEffects] : [],
  });
  const results = Array.isArray(output) ? output : [output];
  for (const result of results) {
    if ('output' in result) {
      const chunk = result.output.find((item) => item.type === 'chunk' && item.isEntry);
      if (chunk && chunk.type === 'chunk') return chunk.code;
    }
  }
  throw new Error(`bundling ${entry} produced no entry chunk`);
}

/** The modules of this folder run when imported, whatever the package's `sideEffects` says. */
const testModulesHaveEffects: Plugin = {
  name: 'test-modules-have-effects',
  transform(code, id) {
    return id.startsWith(fileURLToPath(new URL('.', import.meta.url)))
      ? { code, moduleSideEffects: true }
      : null;
  },
};

export interface PageServer {
  server: KnowledgeServer;
  /** Where the pages are served now. */
  readonly origin: string;
  /** Serves the pages on a new origin (another port) from now on, and no longer on the one before. */
  newOrigin(): Promise<void>;
  close(): Promise<void>;
}

export interface Harness extends PageServer {
  engine: Engine;
  /**
   * A fresh browser profile, and a new origin for the pages (so one profile at a time): in Chromium and
   * Firefox `engine.newProfile()`; in WebKit the pages of a file share one MiniBrowser (see startHarness).
   */
  newProfile(): Promise<Profile>;
}

/** What a page server serves as its page's script. */
export interface PageOptions {
  /** Serve every response with COOP and COEP (see startPageServer). */
  isolated?: boolean;
  /** The page's script, relative to this file. @default './pageEntry.ts' */
  entry?: string;
  /** Bundle it as a dev server would (see bundle). @default false */
  development?: boolean;
  /**
   * A Content-Security-Policy for the page. The head script is then served as a file (`/head.js`), since an
   * inline one would need 'unsafe-inline'.
   */
  csp?: string;
  /** More files to serve, by path (`/axe.js`), as JavaScript. */
  scripts?: Record<string, string>;
}

const pageScripts = new Map<string, Promise<string>>();

/**
 * Serves the test page (`pageEntry.ts`, or the given entry, bundled once per process) and the stand-in server
 * on one origin. `headScript` runs first in every page, as a classic script. `isolated` serves every response
 * with COOP and COEP, which make the page cross-origin isolated: performance.now() then has 5 µs steps instead
 * of 100 µs, which the bench needs.
 */
export async function startPageServer(
  headScript = '',
  { isolated = true, entry = './pageEntry.ts', development = false, csp, scripts = {} }: PageOptions = {},
): Promise<PageServer> {
  const key = `${entry}|${development}`;
  // A page other than the test page is made of modules imported for their effects (./devtoolsEntry).
  const testModulesRun = entry !== './pageEntry.ts';
  if (!pageScripts.has(key)) pageScripts.set(key, bundle(entry, { development, testModulesRun }));
  const script = await (pageScripts.get(key) as Promise<string>);
  const server = createKnowledgeServer();
  const files: Record<string, string> = { ...scripts, '/entry.js': script };
  if (csp && headScript) files['/head.js'] = headScript;
  const head = csp ? '<script src="/head.js"></script>' : `<script>${headScript}</script>`;
  const page =
    '<!doctype html><meta charset="utf-8"><title>gkc-session test page</title>' +
    (headScript && head) +
    '<script type="module" src="/entry.js"></script>';
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (isolated) {
      res.setHeader('cross-origin-opener-policy', 'same-origin');
      res.setHeader('cross-origin-embedder-policy', 'require-corp');
    }
    const file = files[path];
    if (file !== undefined) {
      res.setHeader('content-type', 'text/javascript');
      return void res.end(file);
    }
    if (path === '/' || path === '/index.html') {
      res.setHeader('content-type', 'text/html');
      if (csp) res.setHeader('content-security-policy', csp);
      return void res.end(page);
    }
    server.handle(req, res);
  };
  const listen = async () => {
    const http = createServer(handle);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return http;
  };
  const stop = async (http: Server) => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  };
  let http = await listen();
  return {
    server,
    get origin() {
      return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    },
    async newOrigin() {
      const before = http;
      http = await listen();
      await stop(before);
    },
    close: () => stop(http),
  };
}

/**
 * The page server and one engine: what a browser test file starts once per engine. Each profile gets an
 * origin of its own, and with it storage, Web Locks and BroadcastChannels of its own. In WebKit that makes a
 * fresh MiniBrowser per test needless (one costs 1-2 s and 1.5 s of CPU to start): the tests of a file share
 * one, and a profile there is the windows opened through it, which close with it.
 */
export async function startHarness(
  name: EngineName,
  page: Omit<PageOptions, 'isolated'> = {},
): Promise<Harness> {
  const engine = await launchEngine(name);
  try {
    // Not cross-origin isolated, as the pages that embed the widget seldom are. And COOP costs the tests dear:
    // a window's first navigation to a COOP page moves it to a new browsing context group, in a web process of
    // its own (about 1 s more per WebKit window, 0.25 s per Chromium page), and WebKit now and then loses the
    // answer to a script sent across that swap (4% of WebKit page loads here, none in 192 without COOP).
    const pages = await startPageServer(engine.offline === 'emulated' ? offlineEmulationScript : '', {
      ...page,
      isolated: false,
    });
    let shared: Profile | undefined;
    return {
      engine,
      server: pages.server,
      get origin() {
        return pages.origin;
      },
      newOrigin: () => pages.newOrigin(),
      async newProfile() {
        await pages.newOrigin();
        if (engine.name !== 'webkit') return engine.newProfile();
        shared ??= await engine.newProfile();
        return pagesOf(shared);
      },
      async close() {
        await engine.close();
        await pages.close();
      },
    };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

/** The pages opened through it in a profile it shares: closing it closes them (those not closed already). */
function pagesOf(profile: Profile): Profile {
  const open = new Set<EnginePage>();
  return {
    async newPage() {
      const page = await profile.newPage();
      open.add(page);
      return {
        ...page,
        async close() {
          open.delete(page);
          await page.close();
        },
      };
    },
    setOffline: (offline) => profile.setOffline(offline),
    async close() {
      for (const page of open) await page.close();
      open.clear();
    },
  };
}
