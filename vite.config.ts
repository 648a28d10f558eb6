import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: 'gkc-session',
    },
    rolldownOptions: {
      // Dependencies stay imports: the application's bundler shares them (one query-core for the page).
      external: [/^@tanstack\/query-core/, /^idb-keyval/, /^zod/],
    },
    sourcemap: true,
    emptyOutDir: true,
  },
});
