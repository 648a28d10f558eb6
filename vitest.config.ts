import { configDefaults, defineConfig } from 'vitest/config';
import { type EngineName, selectedEngines } from './test/browser/engineNames.ts';
import { EngineOrder } from './test/engineOrder.ts';

const browserTests = 'test/browser/**/*.browser.test.ts';
const demoTests = 'test/e2e/**/*.e2e.test.ts';
// The demo's end-to-end tests run in Chromium and Firefox only (test/e2e says why). The browser tests, the React
// binding's among them (react.browser.test.ts), run in all three.
const engineTests: Record<EngineName, string[]> = {
  chromium: [browserTests, demoTests],
  firefox: [browserTests, demoTests],
  webkit: [browserTests],
};

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 10_000,
    // Browser tests poll pages across tabs on a shared machine: a second is too short there at times.
    expect: { poll: { timeout: 5000 } },
    hookTimeout: 60_000,
    sequence: { sequencer: EngineOrder },
    projects: [
      // The node tests first, on their own, two files at a time (one per core): some of them time a request
      // to tens of milliseconds (a 50 ms timeout against a 400 ms answer, an abort after 30 ms), which the
      // browsers, run beside them, starved now and then.
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'happy-dom',
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: [...configDefaults.exclude, browserTests, demoTests],
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
        },
      },
      // Then the browser suites, once per engine GKC_ENGINES selects, each engine a project of its own (its
      // files see GKC_ENGINES set to that engine alone), so that the engines' files run side by side: three
      // at a time, more than there are cores, since they spend most of their time waiting on browsers,
      // servers and timers.
      ...selectedEngines().map((engine) => ({
        extends: true as const,
        test: {
          name: engine,
          include: engineTests[engine],
          env: { GKC_ENGINES: engine },
          sequence: { groupOrder: 1 },
          maxWorkers: 3,
        },
      })),
    ],
  },
});
