import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';
import { createKnowledgeServer, type KnowledgeServer } from '../server/knowledgeServer';

/**
 * Real Chromium (Debian's) driven by playwright-core, against one origin that serves a test page, the
 * library bundled for it, and the stand-in Knowledge Center under /gks-server/v1.
 */

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function assertChromium(): void {
  if (existsSync(chromiumPath)) return;
  throw new Error(
    `Chromium was not found at ${chromiumPath}. The browser tests drive Debian's Chromium: ` +
      'install it with `sudo apt-get update && sudo apt-get install -y chromium`, ' +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

/** Flags that keep Chromium quiet on a closed network, and let it run as root. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  assertChromium();
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/** Bundles `entry` (and what it imports) into one ES module, in memory. */
export async function bundle(entry: string): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    // An application's bundler defines it; query-core reads it to drop its development warnings.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: { entry: fileURLToPath(new URL(entry, import.meta.url)), formats: ['es'], fileName: 'entry' },
    },
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

export interface Harness {
  server: KnowledgeServer;
  origin: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const [script, browser] = await Promise.all([bundle('./pageEntry.ts'), launchChromium()]);
  const server = createKnowledgeServer();
  const page =
    '<!doctype html><meta charset="utf-8"><title>gkc-session test page</title><script type="module" src="/entry.js"></script>';
  const http: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    // Cross-origin isolation gives performance.now() 5 µs steps instead of 100 µs: the bench needs them.
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    if (path === '/entry.js') {
      res.setHeader('content-type', 'text/javascript');
      return void res.end(script);
    }
    if (path === '/' || path === '/index.html') {
      res.setHeader('content-type', 'text/html');
      return void res.end(page);
    }
    server.handle(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    browser,
    async close() {
      await browser.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
