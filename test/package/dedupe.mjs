// `npm run check:dedupe`: the package shares the application's query-core. A scratch React application with
// @tanstack/react-query at an older 5.x (which pins its own query-core exactly) installs the tarball, as an
// existing application adds the package; then
// - npm placed one query-core in its tree (`npm query`), which the package's range accepted;
// - passing the application's `new QueryClient()` as the `queryClient` option type-checks (two copies fail
//   with TS2322, "Property '#private' in type 'QueryClient' refers to a different member");
// - Vite's bundle of that file holds one query-core: one source root in its source map, one MutationCache.
// Reads GKC_TARBALL's tarball when CI has packed one already, else packs one here. Needs the npm registry.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * The application's react-query: older than the package's own query-core (5.108), newer than the floor of its
 * range (5.87.0, the first query-core that exports `timeoutManager`). react-query 5.90.2 depends on
 * query-core 5.90.2 exactly.
 */
const reactQuery = '5.90.2';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
const scratch = mkdtempSync(join(tmpdir(), 'gkc-session-dedupe-'));
const failures = [];
const fail = (message) => failures.push(message);

let tarball = process.env.GKC_TARBALL && resolve(process.env.GKC_TARBALL);
if (!tarball) {
  // `prepack` builds first and prints its log on the same stdout: the JSON is the array from its first line on.
  const packOutput = run('npm', ['pack', '--json', '--pack-destination', scratch], root);
  tarball = join(scratch, JSON.parse(packOutput.slice(packOutput.search(/^\[$/m)))[0].filename);
}

// ---- 1. An application on react-query, which then installs the package -------------------------------------
const app = join(scratch, 'app');
mkdirSync(app);
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'dedupe-app', private: true, type: 'module' }),
);
const devDependencies = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
const install = (...specs) =>
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], app);
install(
  `@tanstack/react-query@${reactQuery}`,
  ...['react', 'react-dom', '@types/react'].map((name) => `${name}@${devDependencies[name]}`),
);
install(tarball);

const copies = JSON.parse(run('npm', ['query', '[name="@tanstack/query-core"]'], app));
const placed = copies.map((node) => `${node.location} ${node.version}`);
console.log(`query-core in the application's tree: ${placed.join(', ')}`);
if (copies.length !== 1) fail(`npm placed ${copies.length} copies of query-core: ${placed.join(', ')}`);

// An application that had the package first and adds react-query later: npm keeps the newer query-core and
// nests react-query's own under it, until `npm dedupe` (what docs/frameworks.md advises) makes them one.
const later = join(scratch, 'later');
mkdirSync(later);
writeFileSync(
  join(later, 'package.json'),
  JSON.stringify({ name: 'later-app', private: true, type: 'module' }),
);
const inLater = (...args) => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], later);
inLater('install', tarball, `react@${devDependencies.react}`);
inLater('install', `@tanstack/react-query@${reactQuery}`);
inLater('dedupe');
const afterDedupe = JSON.parse(run('npm', ['query', '[name="@tanstack/query-core"]'], later));
console.log(
  `after npm dedupe, react-query added later: ${afterDedupe.map((n) => `${n.location} ${n.version}`)}`,
);
if (afterDedupe.length !== 1) fail(`npm dedupe left ${afterDedupe.length} copies of query-core`);

// ---- 2. The application's QueryClient, given to the manager ------------------------------------------------
writeFileSync(
  join(app, 'main.ts'),
  [
    "import { QueryClient } from '@tanstack/react-query';",
    "import { createSessionManager } from 'gkc-session';",
    '',
    'export const queryClient = new QueryClient();',
    "export const manager = createSessionManager({ baseUrl: 'https://kc.example.com/gks-server/v1', queryClient });",
    '',
  ].join('\n'),
);
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      types: [],
      strict: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
    },
    files: ['main.ts'],
  }),
);
try {
  run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], app);
  console.log("the application's QueryClient type-checks as the queryClient option");
} catch (error) {
  fail(`passing the application's QueryClient does not type-check:\n${error.stdout}${error.stderr}`);
}

// ---- 3. One query-core in the bundle -----------------------------------------------------------------------
const output = await build({
  root: app,
  configFile: false,
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    write: false,
    minify: false,
    sourcemap: true,
    lib: { entry: join(app, 'main.ts'), formats: ['es'], fileName: 'main' },
  },
});
const [result] = Array.isArray(output) ? output : [output];
const chunk = result.output.find((item) => item.type === 'chunk' && item.isEntry);
const roots = new Set(
  chunk.map.sources
    .map((source) => source.match(/^(.*node_modules\/@tanstack\/query-core)\//)?.[1])
    .filter(Boolean),
);
// query-core's MutationCache class, once per copy: the application's QueryClient and the manager both use it.
const classes = chunk.code.match(/\bMutationCache(?:\$\d+)? = class extends\b/g) ?? [];
console.log(
  `the bundle (${(chunk.code.length / 1024).toFixed(1)} KB) holds query-core from ${[...roots].join(', ')}; ` +
    `${classes.length} MutationCache class`,
);
if (roots.size !== 1) fail(`the bundle holds query-core from ${roots.size} places: ${[...roots].join(', ')}`);
if (classes.length !== 1) fail(`the bundle defines MutationCache ${classes.length} times`);

if (failures.length) {
  console.error(`\n${failures.join('\n')}\n(scratch project kept in ${scratch})`);
  process.exit(1);
}
rmSync(scratch, { recursive: true, force: true });
console.log(`one query-core is shared with an application on @tanstack/react-query ${reactQuery}`);
