// `npm run check:deps`: the library's layers, checked on every CI run. Each layer imports only those below:
// types.ts and errors.ts, then utils/, then core/ (pure), then io/ and http/ (side by side, neither importing
// the other), then manager/, then the entries (index.ts and the subpath entries). The React binding, react/,
// uses the library through index.ts alone, and nothing else in src/ imports React or the binding. The
// devtools, devtools/, use it through index.ts alone too, and nothing else imports them. No circle
// anywhere in src/ or tools/, type-only imports included: a type in the wrong file is a circle too.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-is-pure',
      comment: 'src/core/ decides; it does no I/O and knows no query-core, idb-keyval or upper layer.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: {
        path: [
          '^src/(io|http|manager)/',
          '^src/utils/abortable',
          '^src/index',
          'node_modules/(@tanstack|idb-keyval)',
        ],
      },
    },
    {
      name: 'io-below-http-and-manager',
      severity: 'error',
      from: { path: '^src/io/' },
      to: { path: ['^src/(http|manager)/', '^src/index'] },
    },
    {
      name: 'http-below-io-and-manager',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: ['^src/(io|manager)/', '^src/index'] },
    },
    {
      name: 'utils-at-the-bottom',
      severity: 'error',
      from: { path: '^src/utils/' },
      to: { path: '^src/(core|io|http|manager)/' },
    },
    {
      name: 'vocabulary-at-the-bottom',
      severity: 'error',
      from: { path: '^src/(types|errors)\\.ts$' },
      to: { path: '^src/(core|io|http|manager|utils)/' },
    },
    {
      name: 'react-binding-through-the-entry',
      comment: 'src/react/ uses the library as an application does: through src/index.ts only.',
      severity: 'error',
      from: { path: '^src/react/' },
      to: { path: ['^src/(core|io|http|manager|utils)/', '^src/(types|errors)\\.ts$'] },
    },
    {
      name: 'library-free-of-react',
      comment: 'Only the React binding imports React or the binding: the main entry stays free of both.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/react/' },
      to: { path: ['^src/react/', 'node_modules/react(-dom)?/'] },
    },
    {
      name: 'devtools-through-the-entry',
      comment:
        "src/devtools/ works from the manager's public surface, src/index.ts (its types: that it takes no code is " +
        "held by npm run size, where the devtools entry would carry the library's 14 KB).",
      severity: 'error',
      from: { path: '^src/devtools/' },
      to: { path: ['^src/(core|io|http|manager|utils|react)/', '^src/(types|errors)\\.ts$'] },
    },
    {
      name: 'library-free-of-devtools',
      comment: 'Nothing else imports the devtools: the main entry does not grow by a byte with them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/devtools/' },
      to: { path: '^src/devtools/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
