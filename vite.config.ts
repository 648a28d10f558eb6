import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    lib: {
      // Entries of their own: the main one never pulls in the devtools (which import only its types).
      entry: { 'gkc-session': 'src/index.ts', devtools: 'src/devtools/index.ts' },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    rolldownOptions: {
      // Dependencies stay imports: the application's bundler shares them (one query-core for the page).
      external: [/^@tanstack\/query-core/, /^idb-keyval/, /^zod/],
    },
    sourcemap: true,
    emptyOutDir: true,
  },
});
