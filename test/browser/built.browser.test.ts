// @vitest-environment node
// The BUILT package in each engine GKC_ENGINES selects: `vite build` output, resolved by name through
// package.json's exports map as an application's bundler would, running against the stand-in server.
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnowledgeServer } from '../server/knowledgeServer';
import { type Engine, engineLabel, launchEngine, selectedEngines } from './engines';

const root = fileURLToPath(new URL('../..', import.meta.url));
const server = createKnowledgeServer();
let closeServer = async () => {};
let origin = '';
let script = '';

beforeAll(async () => {
  // The package as published: its package.json and the library build, in a folder of its own.
  const pkg = mkdtempSync(join(tmpdir(), 'gkc-session-built-'));
  await build({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'silent',
    build: { outDir: join(pkg, 'dist') },
  });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(root, 'package.json')));
  // Its dependencies resolve as they would in an application's node_modules. The folder holds no src/: what
  // runs below can only be the build.
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: { 'gkc-session': pkg } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      lib: {
        entry: fileURLToPath(new URL('./builtEntry.ts', import.meta.url)),
        formats: ['es'],
        fileName: 'built',
      },
    },
  });
  const [result] = Array.isArray(output) ? output : [output];
  script = ('output' in result ? result.output[0].code : '') as string;

  const http = createServer((req, res) => {
    if (req.url === '/built.js') {
      res.setHeader('content-type', 'text/javascript');
      return void res.end(script);
    }
    if (req.url === '/') {
      res.setHeader('content-type', 'text/html');
      return void res.end('<!doctype html><script type="module" src="/built.js"></script>');
    }
    server.handle(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  closeServer = async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  };
}, 120_000);

afterAll(async () => {
  await closeServer();
});

for (const engineName of selectedEngines()) {
  describe(`in ${engineLabel(engineName)}`, () => {
    let engine: Engine;

    beforeAll(async () => {
      engine = await launchEngine(engineName);
    }, 60_000);

    afterAll(async () => {
      await engine?.close();
    });

    it('runs the built package, imported by name', { timeout: 30_000 }, async () => {
      server.reset();
      const profile = await engine.newProfile();
      const page = await profile.newPage();
      await page.goto(origin);
      const result = await page.evaluate(async () => {
        const { built } = window as unknown as { built: typeof import('../../src/index') };
        const manager = built.createSessionManager({ baseUrl: '/gks-server/v1' });
        const session = await manager.ready();
        await manager.update({ visitId: 'from-the-build' });
        const search = await manager.fetch('kbs/support/search', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'refund' }),
        });
        return {
          sessionId: session.sessionId,
          storage: manager.getSnapshot().storage,
          status: search.status,
        };
      });
      expect(result).toMatchObject({ storage: 'indexeddb', status: 200 });
      expect(server.sessions.get(result.sessionId)?.visitId).toBe('from-the-build');
      expect(server.calls('search')[0]?.sessionId).toBe(result.sessionId);
      await profile.close();
    });
  });
}
