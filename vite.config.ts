import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    lib: {
      // Entries of one build: the React binding imports the library's entry, which stays a module of its own
      // (dist/gkc-session.js), so that an application importing both has one copy of the library; the devtools
      // import only its types, and the library never imports them.
      entry: {
        'gkc-session': 'src/index.ts',
        react: 'src/react/index.ts',
        devtools: 'src/devtools/index.ts',
      },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    rolldownOptions: {
      // Lets the library's code live in its entry's own file, which the binding imports, rather than in a
      // third, shared chunk behind a re-exporting dist/gkc-session.js: the main entry's output stays as it was
      // before the binding existed.
      preserveEntrySignatures: 'allow-extension',
      // Dependencies stay imports: the application's bundler shares them (one query-core for the page, and
      // the application's own React).
      external: [/^@tanstack\/query-core/, /^idb-keyval/, /^zod/, /^react($|\/)/],
    },
    sourcemap: true,
    emptyOutDir: true,
  },
});
