// CI: the built package compiles no code from strings, so that a host page's Content-Security-Policy without
// 'unsafe-eval' never reports it. Classic zod compiles its object parsers with `new Function` (after probing
// with `new Function("")`, which a browser reports as a violation even though zod catches it: zod issues
// #4461, #5414, #5789); `zod/mini` does not. One import of `zod` or `zod/compile` would bring it back, and only
// this check would see it before the host sites' report endpoints do.
//
// Reads every .js file under dist/ (run `npm run build` first) and fails on:
// - `eval` referenced at all (`eval(`, `globalThis.eval(`, `const e = eval`),
// - `Function` referenced other than through `Function.prototype` (`new Function(`, `Function(`, and the
//   alias zod's probe uses: `const F = Function; new F("")`),
// - a string given to `setTimeout` or `setInterval`.
// Names that merely contain the words (`isFunction(`, `evaluate(`, `medieval(`) are not those identifiers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const forms = [
  { name: 'eval', pattern: /(?<![\w$])eval(?![\w$])/g },
  { name: 'Function', pattern: /(?<![\w$])Function(?![\w$])(?!\.prototype\b)/g },
  { name: 'a string timer', pattern: /(?<![\w$])set(?:Timeout|Interval)\s*\(\s*['"`]/g },
];

/** Where `source` compiles code from a string: one entry per match, with its line. */
function findEval(source) {
  const found = [];
  for (const { name, pattern } of forms) {
    for (const match of source.matchAll(pattern)) {
      const line = source.slice(0, match.index).split('\n').length;
      const text = source.split('\n')[line - 1]?.trim() ?? '';
      found.push({ form: name, line, text: text.length > 120 ? `${text.slice(0, 117)}...` : text });
    }
  }
  return found;
}

// The check checks itself first: a matcher that finds nothing would pass every build.
const mustFind = [
  'eval("1")',
  'globalThis.eval(source)',
  'new Function("return 1")',
  'const f = Function("a", "return a")',
  'const F = Function; new F("")',
  'setTimeout("run()", 10)',
];
const mustPass = [
  'if (isFunction(value)) evaluate(x)',
  'const medieval = retrieval(1)',
  'typeof fn === "function"',
  'Function.prototype.toString.call(Ctor)',
  'setTimeout(() => run(), 10)',
  'const myFunction = () => {}; myFunction()',
];
const selfCheck = [
  ...mustFind.filter((sample) => findEval(sample).length === 0).map((sample) => `missed: ${sample}`),
  ...mustPass.filter((sample) => findEval(sample).length > 0).map((sample) => `wrongly flagged: ${sample}`),
];
if (selfCheck.length > 0) {
  console.error(`noEval: the matcher is wrong:\n  ${selfCheck.join('\n  ')}`);
  process.exit(2);
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'dist');

function scripts(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return scripts(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

let files;
try {
  files = scripts(dist);
} catch {
  files = [];
}
if (!files.some((file) => file.endsWith('gkc-session.js'))) {
  console.error('noEval: dist/gkc-session.js is missing: run `npm run build` first');
  process.exit(1);
}

let failures = 0;
for (const file of files) {
  for (const { form, line, text } of findEval(readFileSync(file, 'utf8'))) {
    failures++;
    console.error(`${relative(root, file)}:${line}: ${form}: ${text}`);
  }
}
if (failures > 0) {
  console.error(
    `noEval: ${failures} place(s) in dist/ compile code from strings, which a Content-Security-Policy ` +
      "without 'unsafe-eval' refuses and reports to the host site (import `zod/mini`, never `zod`)",
  );
  process.exit(1);
}
console.log(`noEval: ${files.length} files in dist/, no eval, Function or string timer`);
