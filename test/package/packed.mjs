// CI: the package as npm publishes it. Packs it from scratch (`prepack` builds), checks what the tarball holds,
// installs it into a scratch project as an application would, imports it by name in Node and in Chromium, and
// type-checks every TypeScript example of README.md and docs/ against it with the project's strict compiler
// options. The examples are read from the Markdown itself, so a stale example fails here.
// `--pack-destination <dir>` keeps the tarball there, for the other package checks to read (GKC_TARBALL) rather
// than each packing, and so building, again.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gkc-session-packed-'));
const destinationFlag = process.argv.indexOf('--pack-destination');
if (destinationFlag !== -1 && !process.argv[destinationFlag + 1])
  throw new Error('--pack-destination needs a directory');
const destination = destinationFlag === -1 ? scratch : resolve(process.argv[destinationFlag + 1]);
const failures = [];
const fail = (message) => failures.push(message);
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });

// ---- 1. Pack from a tree without dist/, as a fresh clone is ------------------------------------------------
rmSync(join(root, 'dist'), { recursive: true, force: true });
// npm prints the prepack build's output on the same stdout, before its JSON report.
const packOutput = run('npm', ['pack', '--json', '--pack-destination', destination], root);
const packed = JSON.parse(packOutput.slice(packOutput.search(/^\[$/m)))[0];
const files = packed.files.map((file) => file.path).sort();
console.log(
  `packed ${packed.filename}: ${files.length} files, ${kb(packed.size)} packed, ${kb(packed.unpackedSize)} unpacked`,
);
for (const file of files) console.log(`  ${file}`);

for (const needed of [
  ...['LICENSE', 'README.md', 'package.json', 'dist/gkc-session.js', 'dist/index.d.ts'],
  ...['dist/react.js', 'dist/react/index.d.ts'],
]) {
  if (!files.includes(needed)) fail(`the tarball lacks ${needed}`);
}
for (const file of files) {
  if (/\.test\.ts$|^test\//.test(file)) fail(`the tarball holds a test file: ${file}`);
}
// What the README and the docs link to must be in the package: npm shows the README without the repository.
for (const page of files.filter((file) => file.endsWith('.md'))) {
  const text = readFileSync(join(root, page), 'utf8');
  for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue;
    const path = posix.normalize(posix.join(posix.dirname(page), target));
    if (!files.includes(path)) fail(`${page} links to ${target}, which is not in the package`);
  }
}

// The main entry stays free of React: only the binding imports it.
const mainEntry = readFileSync(join(root, 'dist/gkc-session.js'), 'utf8');
if (/from\s*["']react/.test(mainEntry)) fail('dist/gkc-session.js imports React');

// ---- 2. Install the tarball into a scratch project ---------------------------------------------------------
// With React beside it, as a React application has it (an optional peer: npm does not install it), at the
// versions this repository tests, so that the examples compile against React's own types.
const devDependencies = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
const react = ['react', 'react-dom', '@types/react'].map((name) => `${name}@${devDependencies[name]}`);
const app = join(scratch, 'app');
mkdirSync(app);
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }),
);
run(
  'npm',
  [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--no-package-lock',
    join(destination, packed.filename),
    ...react,
  ],
  app,
);

// ---- 3. Import it by name in Node --------------------------------------------------------------------------
// A stub transport answers the Create, in Node and in the page: what is checked is that the package resolves
// by name and runs.
const importByName = "import { createSessionManager, isSessionError } from 'gkc-session';\n";
const probe = `
  const fetch = async () => new Response(JSON.stringify({ response: { sessionId: 'from-the-tarball' } }), {
    headers: { 'content-type': 'application/json' },
  });
  const manager = createSessionManager({ baseUrl: 'https://kc.example.com/gks-server/v1', fetch });
  const { sessionId } = await manager.ready();
  const storage = manager.getSnapshot().storage;
  manager.destroy();
  return { sessionId, storage, guard: typeof isSessionError };
`;
writeFileSync(
  join(app, 'node.mjs'),
  `${importByName}console.log(JSON.stringify(await (async () => {${probe}})()));`,
);
const inNode = JSON.parse(run(process.execPath, ['node.mjs'], app));
expectEqual('in Node', inNode, { sessionId: 'from-the-tarball', storage: 'memory', guard: 'function' });
// The React binding by name, rendered on the server as an SSR framework would: the idle state.
writeFileSync(
  join(app, 'react.mjs'),
  [
    "import { createElement } from 'react';",
    "import { renderToString } from 'react-dom/server';",
    "import { SessionProvider, useSession } from 'gkc-session/react';",
    'const Status = () => createElement("span", null, useSession().status);',
    'const provider = createElement(SessionProvider, { baseUrl: "/gks-server/v1" }, createElement(Status));',
    'console.log(JSON.stringify(renderToString(provider)));',
  ].join('\n'),
);
expectEqual(
  'gkc-session/react in Node',
  JSON.parse(run(process.execPath, ['react.mjs'], app)),
  '<span>idle</span>',
);
// The devtools entry resolves by name too, and mounts nothing where there is no page (server-side rendering).
writeFileSync(
  join(app, 'devtools.mjs'),
  "import { mountDevtools, withDevtools } from 'gkc-session/devtools';\n" +
    'console.log(JSON.stringify({ wrap: typeof withDevtools, unmount: typeof mountDevtools() }));',
);
const devtoolsInNode = JSON.parse(run(process.execPath, ['devtools.mjs'], app));
expectEqual('gkc-session/devtools in Node', devtoolsInNode, { wrap: 'function', unmount: 'function' });

// ---- 4. Import it by name in Chromium, bundled by Vite as an application's bundler would -------------------
writeFileSync(join(app, 'browser.js'), `${importByName}window.result = (async () => {${probe}})();`);
const bundled = await build({
  root: app,
  configFile: false,
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: { write: false, lib: { entry: join(app, 'browser.js'), formats: ['es'], fileName: 'app' } },
});
const [output] = Array.isArray(bundled) ? bundled : [bundled];
const script = output.output[0].code;
const http = createServer((req, res) => {
  res.setHeader('content-type', req.url === '/app.js' ? 'text/javascript' : 'text/html');
  res.end(req.url === '/app.js' ? script : '<!doctype html><script type="module" src="/app.js"></script>');
});
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  // The flags of test/browser/harness.ts: quiet on a closed network, and able to run as root.
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${http.address().port}/`);
  const inBrowser = await page.evaluate(() => window.result);
  expectEqual('in Chromium', inBrowser, {
    sessionId: 'from-the-tarball',
    storage: 'indexeddb',
    guard: 'function',
  });
} finally {
  await browser.close();
  http.close();
}

// ---- 5. Type-check the documentation's examples against the installed package -------------------------------
const examples = join(app, 'examples');
mkdirSync(examples);
const pages = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => `docs/${name}`)].filter((page) =>
  page.endsWith('.md'),
);
const exported = exportedNames(readFileSync(join(app, 'node_modules/gkc-session/dist/index.d.ts'), 'utf8'));
let count = 0;
for (const page of pages) {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i].match(/^```(ts|tsx)\s*$/);
    if (!fence) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    const code = lines.slice(start, end).join('\n');
    const name = `${page.replace(/[/.]/g, '_')}_line${start + 1}.${fence[1]}`;
    writeFileSync(join(examples, name), example(code));
    count++;
    i = end;
  }
}
writeFileSync(join(examples, 'context.d.ts'), readFileSync(join(root, 'test/package/context.d.ts'), 'utf8'));
// tsconfig.json is JSONC: its whole-line comments go before parsing.
const tsconfig = readFileSync(join(root, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '');
const { compilerOptions } = JSON.parse(tsconfig);
// The project's strict options; only what points into this repository (paths, Node's types) is left out.
const { paths: _paths, allowImportingTsExtensions: _ext, types: _types, ...strict } = compilerOptions;
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: { ...strict, types: [], jsx: 'react-jsx', noEmit: true },
    include: ['examples'],
  }),
);
try {
  run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], app);
  console.log(`${count} TypeScript examples from ${pages.join(', ')} type-check against the tarball`);
} catch (error) {
  fail(`the documentation's examples do not type-check against the tarball:\n${error.stdout}${error.stderr}`);
}
if (count === 0) fail('no TypeScript example was found in the documentation');

if (failures.length) {
  console.error(`\n${failures.join('\n')}\n(scratch project kept in ${scratch})`);
  process.exit(1);
}
rmSync(scratch, { recursive: true, force: true });
console.log('the packed package installs, imports by name in Node and Chromium, and its docs type-check');

/**
 * One example as a module of its own. An example that documents an exported interface (`interface
 * SessionSnapshot { ... }`) is compared with the real type: each must be assignable to the other.
 */
function example(code) {
  const documented = [...code.matchAll(/^interface (\w+)/gm)].map((match) => match[1]);
  if (documented.length === 0) return `${code}\nexport {};\n`;
  let renamed = code;
  for (const name of documented)
    renamed = renamed.replace(new RegExp(`\\b${name}\\b`, 'g'), `Documented${name}`);
  const used = exported.filter((name) => new RegExp(`\\b${name}\\b`).test(code));
  const checks = documented.map(
    (name) =>
      `export const same${name}: Same<Documented${name}, ${name}> = true;` +
      ` // the documented ${name} is the package's`,
  );
  return [
    `import type { ${used.join(', ')} } from 'gkc-session';`,
    'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
    renamed.replace(/^interface /gm, 'export interface '),
    ...checks,
    '',
  ].join('\n');
}

function exportedNames(declarations) {
  const names = [];
  for (const [, list] of declarations.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const item of list.split(',')) {
      const name = item
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (name) names.push(name.replace(/^type /, ''));
    }
  }
  return names;
}

function expectEqual(where, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    fail(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  } else {
    console.log(`imported by name ${where}: ${JSON.stringify(actual)}`);
  }
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
