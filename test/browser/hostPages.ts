import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKnowledgeServer, type KnowledgeServer } from '../server/knowledgeServer';
import {
  type Engine,
  type EngineName,
  type EnginePage,
  type LaunchOptions,
  launchEngine,
  type Profile,
} from './engines';
import { bundle } from './harness';
import type { PlainSnapshot, Started } from './hostEntry';
import { offlineEmulationScript } from './webkitEngine';

/**
 * The pages of a host site, for the tests of the widget as other people's sites embed it: the widget page
 * (./hostEntry bundled), the same page under a strict Content-Security-Policy, a host page that frames the
 * widget (sandboxed, or from another site), and the stand-in Knowledge Center under /gks-server/v1. One server
 * answers on two sites: `http://127.0.0.1:port` and `http://localhost:port` (a site is the scheme and host, not
 * the port: the two are as foreign to each other as shop.example and widget.example).
 *
 * - `/?start={options}&hooks...`: the widget page (./hostEntry lists the hooks).
 * - `/csp?...`: the same page served with `Content-Security-Policy: script-src 'self'; require-trusted-types-for
 *   'script'` (no 'unsafe-eval', no 'unsafe-inline', so no inline script: the offline emulation is left out).
 * - `/host?frame=<url>&sandbox=<flags>`: a host page framing `<url>`, sandboxed when `sandbox` is given
 *   (`sandbox=allow-scripts` for the common case; an empty value for no flags at all).
 * - `/__host/report/<key>`: a page POSTs what it saw (a page under the CSP cannot be scripted by every driver:
 *   WebKit's evaluates through `eval`); the test reads it with `report(key)`.
 */

/** The policy of `/csp`: scripts of the site only, no `eval`, no string-to-code, Trusted Types required. */
export const strictPolicy = "script-src 'self'; require-trusted-types-for 'script'";

export interface HostServer {
  readonly server: KnowledgeServer;
  /** `http://127.0.0.1:port`: the host site. */
  readonly origin: string;
  /** `http://localhost:port`: another site, the same server. */
  readonly otherSite: string;
  /** What a page posted under `key`, once it has. */
  report(key: string): unknown;
  /** Serves on a new port from now on (fresh storage for both sites), and no longer on the one before. */
  newOrigin(): Promise<void>;
  close(): Promise<void>;
}

let entryScript: Promise<string> | undefined;

/** Counts Content-Security-Policy violations from the first script on: a classic script, so the policy allows it. */
const violationsScript = `window.gkcViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.gkcViolations.push({ directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample });
});`;

function html(headScripts: string): string {
  return `<!doctype html><meta charset="utf-8"><title>gkc-session host test page</title>${headScripts}<script src="/violations.js"></script><script type="module" src="/entry.js"></script>`;
}

export async function startHostServer({ offlineEmulation = false } = {}): Promise<HostServer> {
  entryScript ??= bundle('./hostEntry.ts');
  const script = await entryScript;
  const server = createKnowledgeServer();
  const reports = new Map<string, unknown>();
  // In a frame without storage (sandboxed, or another site's in Chromium) localStorage throws: no emulation there.
  const widget = html(offlineEmulation ? `<script>try { ${offlineEmulationScript} } catch {}</script>` : '');
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (type: string, body: string) => {
      res.setHeader('content-type', type);
      res.setHeader('cache-control', 'no-store');
      res.end(body);
    };
    // Module scripts load in CORS mode: a sandboxed frame (an opaque origin) gets them only with this.
    if (path === '/entry.js' || path === '/violations.js') {
      res.setHeader('access-control-allow-origin', '*');
      return send('text/javascript', path === '/entry.js' ? script : violationsScript);
    }
    if (path === '/' || path === '/host') return send('text/html', widget);
    if (path === '/csp') {
      res.setHeader('content-security-policy', strictPolicy);
      return send('text/html', html(''));
    }
    if (path.startsWith('/__host/report/')) {
      res.setHeader('access-control-allow-origin', '*');
      const key = decodeURIComponent(path.slice('/__host/report/'.length));
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        reports.set(key, JSON.parse(body || 'null'));
        res.statusCode = 204;
        res.end();
      });
      return;
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
  const port = () => (http.address() as AddressInfo).port;
  return {
    server,
    get origin() {
      return `http://127.0.0.1:${port()}`;
    },
    get otherSite() {
      return `http://localhost:${port()}`;
    },
    report: (key) => reports.get(key),
    async newOrigin() {
      const before = http;
      http = await listen();
      reports.clear();
      await stop(before);
    },
    close: () => stop(http),
  };
}

export interface HostHarness extends HostServer {
  engine: Engine;
  /** A fresh profile on a new port (see ./harness: in WebKit the pages of a file share one MiniBrowser). */
  newProfile(): Promise<Profile>;
}

/** The host server and one engine, launched with `options`: what a file of host-page tests starts per engine. */
export async function startHostHarness(name: EngineName, options: LaunchOptions = {}): Promise<HostHarness> {
  const engine = await launchEngine(name, options);
  try {
    const pages = await startHostServer({ offlineEmulation: true });
    let shared: Profile | undefined;
    return {
      engine,
      server: pages.server,
      get origin() {
        return pages.origin;
      },
      get otherSite() {
        return pages.otherSite;
      },
      report: pages.report,
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

/** The pages opened through it in a profile it shares: closing it closes them (as ./harness does). */
function pagesOf(profile: Profile): Profile {
  const open = new Set<{ close(): Promise<void> }>();
  return {
    async newPage() {
      const page = await profile.newPage();
      const own = {
        ...page,
        async close() {
          open.delete(own);
          await page.close();
        },
      };
      open.add(own);
      return own;
    },
    setOffline: (offline) => profile.setOffline(offline),
    async close() {
      for (const page of [...open]) await page.close();
      open.clear();
    },
  };
}

/** Opens the widget page of `site` in `page` (a new tab of `profile` when not given), starting a manager. */
export async function openWidget(
  profile: Profile,
  site: string,
  options: object = {},
  hooks = '',
  page?: EnginePage,
): Promise<EnginePage> {
  const tab = page ?? (await profile.newPage());
  await tab.goto(`${site}/?start=${encodeURIComponent(JSON.stringify(options))}${hooks && `&${hooks}`}`);
  return tab;
}

/** What the page's ready() came to, once it has. */
export const startedIn = (page: EnginePage): Promise<Started> =>
  page.evaluate(async () => {
    const started = await window.startOutcome;
    if (!started) throw new Error('the page started no manager');
    return started;
  });

/** The page's snapshot, made plain. */
export const snapshotOf = (page: EnginePage): Promise<PlainSnapshot | null> =>
  page.evaluate(() => window.snap());
