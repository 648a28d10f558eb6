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
    // Browser tests poll pages across tabs on a shared machine: a second is too short there at times.
    expect: { poll: { timeout: 5000 } },
    hookTimeout: 60_000,
  },
});
