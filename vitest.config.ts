import { configDefaults, defineConfig } from 'vitest/config';
import { type EngineName, selectedEngines } from './test/browser/engineNames.ts';
import { EngineOrder } from './test/engineOrder.ts';

const browserTests = 'test/browser/**/*.browser.test.ts';
const demoTests = 'test/e2e/**/*.e2e.test.ts';
// The demo's end-to-end tests run in Chromium and Firefox only (test/e2e says why).
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
    // Test files run side by side, more of them than there are cores: the browser suites spend most of their
    // time waiting on browsers, servers and timers, not computing.
    maxWorkers: 3,
    sequence: { sequencer: EngineOrder },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'happy-dom',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, browserTests, demoTests],
        },
      },
      // The browser suites once per engine GKC_ENGINES selects, each engine a project of its own (its files
      // see GKC_ENGINES set to that engine alone), so that the engines' files run side by side.
      ...selectedEngines().map((engine) => ({
        extends: true as const,
        test: { name: engine, include: engineTests[engine], env: { GKC_ENGINES: engine } },
      })),
    ],
  },
});
