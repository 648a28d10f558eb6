import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The order in which Vitest hands test files to its workers. Vitest's own order runs its projects in
 * alphabetical order, and, on a fresh clone (no timings cached), larger files first. WebKit's suites take the
 * longest (a MiniBrowser per test and a web process per window), so with its files queued last the run waits
 * for them at the end with the other workers idle: the slowest engines start first instead, and within a
 * project Vitest's order stands.
 */
const first = ['webkit', 'chromium', 'firefox'];

export class EngineOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = first.indexOf(spec.project.name);
      return index === -1 ? first.length : index;
    };
    // Array.prototype.sort is stable: Vitest's order is kept within each project.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
