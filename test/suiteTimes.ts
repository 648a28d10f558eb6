/**
 * A Vitest reporter for CI's log (`--reporter=./test/suiteTimes.ts`): per project (the node tests, and one per
 * browser engine) its files, tests, wall time from its first file's start to its last file's end, and the sum
 * of its files' times; then every test that passed only on a retry, since a retry that hides a flaky engine
 * should be seen, not only survived.
 */
import type { Reporter, TestModule } from 'vitest/node';

interface Span {
  start: number;
  end: number;
  files: number;
  tests: number;
  failed: number;
  summed: number;
}

export default class SuiteTimes implements Reporter {
  readonly #spans = new Map<string, Span>();
  readonly #started = new Map<string, number>();
  readonly #retried: string[] = [];

  onTestModuleStart(module: TestModule): void {
    this.#started.set(module.id, Date.now());
  }

  onTestModuleEnd(module: TestModule): void {
    const name = module.project.name || 'default';
    const start = this.#started.get(module.id) ?? Date.now();
    const span = this.#spans.get(name) ?? { start, end: start, files: 0, tests: 0, failed: 0, summed: 0 };
    span.start = Math.min(span.start, start);
    span.end = Math.max(span.end, Date.now());
    span.files++;
    span.summed += module.diagnostic().duration;
    for (const test of module.children.allTests()) {
      span.tests++;
      if (test.result().state === 'failed') span.failed++;
      const { retryCount } = test.diagnostic() ?? { retryCount: 0 };
      if (retryCount > 0) {
        // The errors of the tries that failed, one line each: what the retry hid.
        const why = (test.result().errors ?? []).map((error) => `    ${error.message.split('\n')[0]}`);
        this.#retried.push(`  ${test.fullName} (${name}): retried ${retryCount}x`, ...why);
      }
    }
    this.#spans.set(name, span);
  }

  onTestRunEnd(): void {
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log('\nproject    files  tests  failed  wall      summed file times');
    for (const [name, span] of [...this.#spans].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(
        `${name.padEnd(10)} ${String(span.files).padStart(5)}  ${String(span.tests).padStart(5)}  ` +
          `${String(span.failed).padStart(6)}  ${s(span.end - span.start).padEnd(8)}  ${s(span.summed)}`,
      );
    }
    console.log(this.#retried.length ? `retries:\n${this.#retried.join('\n')}` : 'no test needed a retry');
  }
}
