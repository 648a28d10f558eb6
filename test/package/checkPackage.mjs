// `npm run check:package`: publint and Are the Types Wrong (ESM-only profile) on the package as packed. Both
// read one tarball: GKC_TARBALL's when CI has packed one already, else one packed here. Each tool packing on its
// own (`publint`, `attw --pack`) would run `prepack`, and so the whole build, once more apiece.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name) => join(root, 'node_modules/.bin', name);
let scratch;
let tarball = process.env.GKC_TARBALL && resolve(process.env.GKC_TARBALL);
if (!tarball) {
  scratch = mkdtempSync(join(tmpdir(), 'gkc-session-check-'));
  // `prepack` builds first and prints its log on the same stdout: the JSON is the array from its first line on.
  const packOutput = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: root,
    encoding: 'utf8',
  });
  tarball = join(scratch, JSON.parse(packOutput.slice(packOutput.search(/^\[$/m)))[0].filename);
}
let status = 0;
for (const [tool, args] of [
  ['publint', ['run', tarball]],
  ['attw', [tarball, '--profile', 'esm-only']],
]) {
  try {
    execFileSync(bin(tool), args, { cwd: root, stdio: 'inherit' });
  } catch {
    status = 1;
  }
}
if (scratch) rmSync(scratch, { recursive: true, force: true });
process.exit(status);
