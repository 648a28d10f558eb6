import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds each of the long test files took in a CI run (two shared cores, three workers), by project and
 * path. Only their order matters: the longest start first, so that the run does not end waiting on one long
 * file while the other workers sit idle. Vitest's own order runs projects alphabetically and, on a fresh clone
 * (no timings cached), larger files first: WebKit's suites, the longest, came last.
 */
const expectedSeconds: Record<string, number> = {
  // The host-page suites, measured three files at a time in one engine on the shared machine.
  'webkit:test/browser/hostConditions.browser.test.ts': 91,
  'firefox:test/browser/hostConditions.browser.test.ts': 82,
  'firefox:test/browser/embedding.browser.test.ts': 72,
  'webkit:test/browser/embedding.browser.test.ts': 66,
  'webkit:test/browser/browserModes.browser.test.ts': 44,
  'chromium:test/browser/hostConditions.browser.test.ts': 34,
  'firefox:test/browser/browserModes.browser.test.ts': 29,
  'chromium:test/browser/embedding.browser.test.ts': 12,
  'chromium:test/browser/browserModes.browser.test.ts': 10,
  'webkit:test/browser/concurrency.browser.test.ts': 95,
  'webkit:test/browser/sessionManager.browser.test.ts': 92,
  'chromium:test/e2e/demo.e2e.test.ts': 71,
  'firefox:test/browser/sessionManager.browser.test.ts': 69,
  'firefox:test/browser/concurrency.browser.test.ts': 65,
  'firefox:test/e2e/demo.e2e.test.ts': 50,
  'chromium:test/browser/concurrency.browser.test.ts': 42,
  'chromium:test/browser/sessionManager.browser.test.ts': 38,
  'node:test/model.test.ts': 25,
  'firefox:test/browser/built.browser.test.ts': 16,
  'chromium:test/browser/built.browser.test.ts': 10,
  'webkit:test/browser/built.browser.test.ts': 9,
};

export class EngineOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const expected = (spec: TestSpecification) =>
      expectedSeconds[`${spec.project.name}:${relative(spec.project.config.root, spec.moduleId)}`] ?? 0;
    // Array.prototype.sort is stable: the files not listed keep Vitest's order, after the listed ones.
    return sorted.sort((a, b) => expected(b) - expected(a));
  }
}
