// @vitest-environment node
// The documented way to develop against the stand-in: mounted into the integrator's own Vite dev server,
// same origin as the page, every other path left to Vite.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { afterEach, expect, it } from 'vitest';
import { runDoctor } from '../tools/doctor';
import { knowledgeCenterStandIn } from '../tools/standIn';
import { startStandIn } from './helpers/standIn';

let vite: ViteDevServer | undefined;
afterEach(async () => {
  await vite?.close();
  vite = undefined;
});

it('mounts the stand-in into a Vite dev server beside the page', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gkc-session-vite-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>widget</title>');
  const standIn = knowledgeCenterStandIn({ version: '8.5.1', envelope: 'bare' });
  vite = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    plugins: [standIn],
    server: { host: '127.0.0.1', port: 0, ws: false },
  });
  await vite.listen();
  const address = vite.httpServer?.address() as AddressInfo | undefined;
  const origin = `http://127.0.0.1:${address?.port}`;

  const created = await fetch(`${origin}/gks-server/v1/sessions/new`, { method: 'PUT' });
  expect(await created.json()).toEqual({ sessionId: expect.any(String), createdAt: expect.any(String) });
  expect(await (await fetch(`${origin}/`)).text()).toContain('<title>widget</title>');
  expect((await (await fetch(`${origin}/__gkc/state`)).json()).config).toMatchObject({ version: '8.5.1' });

  const report = await runDoctor({ baseUrl: `${origin}/gks-server/v1`, origin });
  expect(report.checks.filter((check) => check.status !== 'pass')).toEqual([]);
  expect(standIn.server.calls('create').length).toBeGreaterThanOrEqual(2);
});

it("reaches a separately started stand-in through Vite's proxy, identity headers included", async () => {
  const { baseUrl } = await startStandIn();
  const root = mkdtempSync(join(tmpdir(), 'gkc-session-vite-'));
  vite = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    server: {
      host: '127.0.0.1',
      port: 0,
      ws: false,
      proxy: { '/gks-server': new URL(baseUrl).origin },
    },
  });
  await vite.listen();
  const address = vite.httpServer?.address() as AddressInfo | undefined;
  const origin = `http://127.0.0.1:${address?.port}`;
  const report = await runDoctor({ baseUrl: `${origin}/gks-server/v1`, origin });
  expect(report.checks.filter((check) => check.status !== 'pass')).toEqual([]);
});
