// Runs bench.ts through Vite's module runner: TypeScript, no build step, the same harness as the tests.
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const { module } = await runnerImport(fileURLToPath(new URL('./bench.ts', import.meta.url)));
await module.main();
