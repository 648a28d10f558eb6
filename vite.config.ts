import { defineConfig } from 'vitest/config';

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
  test: {
    environment: 'happy-dom',
    setupFiles: ['test/setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 10_000,
    hookTimeout: 60_000,
    // happy-dom prints each failed request as a browser console would; the tests provoke hundreds.
    onConsoleLog: (log) =>
      !/^(GET|PUT|POST) http\S+ \d{3} |^Error: (socket hang up|connect ECONNREFUSED)/.test(log),
  },
});
