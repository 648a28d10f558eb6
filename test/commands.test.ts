// @vitest-environment node
// The two commands as a user runs them: the BUILT bins (`vite build --config vite.tools.config.ts`), started
// with node in a process of their own, talking over real HTTP.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
let bin = '';

beforeAll(async () => {
  // A folder with only the build in it (and node_modules for zod/mini), so that what runs is the build.
  const dir = mkdtempSync(join(tmpdir(), 'gkc-session-bins-'));
  await build({
    root,
    configFile: join(root, 'vite.tools.config.ts'),
    logLevel: 'silent',
    build: { outDir: join(dir, 'dist', 'tools') },
  });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  bin = join(dir, 'dist', 'tools');
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `gkc-session-stand-in` with `args` and resolves with its API root, read from what it prints. */
async function startStandIn(
  args: string[],
): Promise<{ child: ChildProcess; baseUrl: string; banner: string }> {
  const child = spawn(process.execPath, [join(bin, 'gkc-session-stand-in.js'), '--port', '0', ...args]);
  children.push(child);
  let banner = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      banner += text;
      const url = banner.match(/at (http:\/\/\S+) /)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`the stand-in exited with ${code} before listening`)));
  });
  return { child, baseUrl, banner };
}

/** Runs a built command to its end: exit status, stdout, stderr. */
function run(command: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(bin, command), ...args], (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

const doctor = (args: string[]) => run('gkc-session-doctor.js', args);

describe('the built commands', () => {
  it('are Node ESM scripts with a shebang', () => {
    for (const name of ['gkc-session-doctor.js', 'gkc-session-stand-in.js']) {
      expect(readFileSync(join(bin, name), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  });

  it('stand-in serves the API and its controls, and stops on SIGTERM', async () => {
    const { child, baseUrl, banner } = await startStandIn(['--version', '8.5.1', '--envelope', 'data']);
    expect(banner).toContain('version 8.5.1, data envelope, no tenant, CORS for any origin');
    const created = await fetch(`${baseUrl}/sessions/new`, { method: 'PUT' });
    expect(await created.json()).toMatchObject({ status: 'OK', data: { sessionId: expect.any(String) } });
    expect((await fetch(`${baseUrl}/sessions/gone`)).status).toBe(404);
    const state = await (await fetch(new URL('/__gkc/state', baseUrl))).json();
    expect(state.log.map((entry: { call: string }) => entry.call)).toEqual(['create', 'retrieve']);
    const exit = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('doctor passes against the stand-in and exits 0', async () => {
    const { baseUrl } = await startStandIn(['--require-tenant', '--allow-origin', 'http://localhost:5173']);
    const { status, stdout } = await doctor([
      baseUrl,
      '--origin',
      'http://localhost:5173',
      '--tenant',
      'acme',
    ]);
    expect(stdout).toMatch(/^pass {2}reachable /m);
    expect(stdout).toMatch(/^pass {2}tenant +calls without tenantId are refused/m);
    expect(stdout).toContain('9 passed, 0 warned, 0 failed, 0 skipped');
    expect(status).toBe(0);
  });

  it('doctor names the fault and exits 1 when the stand-in drops underscore headers', async () => {
    const { baseUrl } = await startStandIn(['--drop-underscore-headers']);
    const { status, stdout } = await doctor([baseUrl, '--origin', 'http://localhost:5173']);
    expect(stdout).toMatch(/^FAIL {2}identity-headers +the visit id sent in the body came back/m);
    expect(stdout).toMatch(/^ +fix: .*underscores_in_headers on;/m);
    expect(stdout).toContain('8 passed, 0 warned, 1 failed, 0 skipped');
    expect(status).toBe(1);
  });

  it('doctor fails CORS for an origin the stand-in was not started with, and prints JSON', async () => {
    const { baseUrl } = await startStandIn([
      '--allow-origin',
      'https://other.example',
      '--no-expose-retry-after',
    ]);
    const { status, stdout } = await doctor([baseUrl, '--origin', 'http://localhost:5173', '--json']);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['baseUrl', 'origin', 'checks']);
    expect(report.origin).toBe('http://localhost:5173');
    expect(report.checks.map((item: { id: string; status: string }) => `${item.id}:${item.status}`)).toEqual([
      'reachable:pass',
      'create:pass',
      'envelope:pass',
      'tenant:pass',
      'unknown-session:pass',
      'identity-headers:pass',
      'cors-preflight:fail',
      'cors-expose:warn',
      'knowledge:pass',
    ]);
    expect(Object.keys(report.checks[0])).toEqual(['id', 'status', 'detail', 'fix']);
    expect(status).toBe(1);
  });

  it('doctor says a URL is not the REST root, names the one that is, and exits 1', async () => {
    const { baseUrl } = await startStandIn([]);
    const { status, stdout } = await doctor([baseUrl.replace(/\/v1$/, '/v2')]);
    expect(stdout).toMatch(
      /^FAIL {2}reachable +PUT \/gks-server\/v2\/sessions\/new answered 404 .* is not the Knowledge Center REST root$/m,
    );
    expect(stdout).toContain(`fix: ${baseUrl} answers the Create with a session`);
    expect(stdout.match(/fix:/g)).toHaveLength(1);
    expect(stdout).not.toMatch(/wants a tenant|server's log/);
    expect(stdout).toContain('0 passed, 0 warned, 1 failed, 8 skipped');
    expect(status).toBe(1);
  });

  it('exit 2 on a usage error, with the reason on stderr', async () => {
    expect(await doctor([])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('baseUrl is missing'),
    });
    expect(await doctor(['http://x.test/v1', '--colour'])).toMatchObject({ status: 2 });
    expect(await doctor(['kc.example.com'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('absolute http(s) URL'),
    });
    expect(await doctor(['http://x.test/v1', '--origin', 'not an origin'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('origin must be a page origin'),
    });
    const helpText = await doctor(['--help']);
    expect(helpText).toMatchObject({ status: 0, stdout: expect.stringContaining('at most four sessions') });
    expect(await run('gkc-session-stand-in.js', ['--version', '10'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--version must be one of 9, 8.5.0, 8.5.1'),
    });
  });

  it('stand-in says so and exits 1 when the port is taken', async () => {
    const { baseUrl } = await startStandIn([]);
    const port = new URL(baseUrl).port;
    const second = await run('gkc-session-stand-in.js', ['--port', port]);
    expect(second).toMatchObject({ status: 1, stderr: expect.stringContaining(`port ${port} is in use`) });
  });
});
