// `npm run check:installed`: the package as an integrator gets it. Packs it (`npm pack`, whose `prepack`
// builds), installs the tarball in a scratch project, runs both commands there through npx, and imports both
// entry points from it. GKC_TARBALL names a tarball packed already (CI packs once for every package check).
// Exits 1 when anything differs from what the docs promise.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gkc-session-installed-'));
const quiet = { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] };
let tarball = process.env.GKC_TARBALL && resolve(process.env.GKC_TARBALL);
if (tarball) {
  console.log(`installing ${basename(tarball)} (GKC_TARBALL)`);
} else {
  // `prepack` builds first and prints its log on the same stdout: the JSON is the array from its first line on.
  const packOutput = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: root,
    encoding: 'utf8',
  });
  const [packed] = JSON.parse(packOutput.slice(packOutput.search(/^\[$/m)));
  console.log(
    `packed ${packed.filename} (${packed.entryCount} files, ${(packed.size / 1024).toFixed(1)} KB)`,
  );
  tarball = join(scratch, packed.filename);
}
writeFileSync(
  join(scratch, 'package.json'),
  JSON.stringify({ name: 'scratch', private: true, type: 'module' }, null, 2),
);
execFileSync('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], quiet);
console.log(`installed in ${scratch}`);

const failures = [];
const expect = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const started = [];

/** `npx gkc-session-stand-in ...` in the scratch project; resolves with the API root it prints. */
function standIn(args) {
  // A group of its own (npx, npm, node), so that it can be stopped whole.
  const child = spawn('npx', ['--no', '--', 'gkc-session-stand-in', '--port', '0', ...args], {
    cwd: scratch,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  let printed = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text) => {
      printed += text;
      const url = printed.match(/at (http:\/\/\S+) /)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`gkc-session-stand-in exited with ${code}: ${printed}`)));
  });
}

/** `npx gkc-session-doctor ...` in the scratch project: its exit status and output. */
function doctor(args) {
  try {
    return { status: 0, stdout: execFileSync('npx', ['--no', '--', 'gkc-session-doctor', ...args], quiet) };
  } catch (error) {
    return { status: error.status, stdout: error.stdout };
  }
}

try {
  const origin = 'http://localhost:5173';
  const dropping = await standIn(['--drop-underscore-headers', '--allow-origin', origin]);
  const failed = doctor([dropping, '--origin', origin]);
  console.log(failed.stdout.replace(/^/gm, '    '));
  expect(failed.status === 1, 'the doctor exits 1 against a stand-in that drops underscore headers');
  expect(/^FAIL {2}identity-headers /m.test(failed.stdout), 'and names identity-headers as the failure');

  const clean = await standIn(['--version', '8.5.1', '--envelope', 'bare', '--require-tenant']);
  const passed = doctor([clean, '--tenant', 'acme', '--json']);
  const report = JSON.parse(passed.stdout);
  expect(passed.status === 0, 'the doctor exits 0 against a clean stand-in (8.5.1, bare, tenant required)');
  expect(
    report.checks.find((check) => check.id === 'unknown-session')?.detail.startsWith('not-found'),
    'and reports not-found for 8.5.1',
  );

  const imported = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createKnowledgeServer, knowledgeCenterStandIn } from 'gkc-session/stand-in';
       import { createSessionClient } from 'gkc-session';
       const server = createKnowledgeServer({ envelope: 'data' });
       const baseUrl = await server.listen();
       const session = await createSessionClient({ baseUrl }).create({ customerId: 'c-1' });
       console.log(typeof knowledgeCenterStandIn({}).configureServer, session.customerId);
       await server.close();`,
    ],
    quiet,
  ).trim();
  expect(
    imported === 'function c-1',
    'gkc-session and gkc-session/stand-in import from the installed package',
  );
} finally {
  for (const child of started) if (child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
}

if (failures.length === 0) rmSync(scratch, { recursive: true, force: true });
console.log(
  failures.length
    ? `${failures.length} failed (the scratch project stays in ${scratch})`
    : 'the installed package works',
);
process.exit(failures.length ? 1 : 0);
