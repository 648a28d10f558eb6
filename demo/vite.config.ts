import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { knowledgeCenterStandIn } from '../tools/standIn.ts';

/**
 * `npm start`: the demo page and the stand-in Knowledge Center in one Vite dev server, mounted the way an
 * integrator mounts it (`gkc-session/stand-in`). The stand-in answers under /gks-server/v1 (the Knowledge
 * Center API) and /__gkc/ (its fault controls), same origin as the page.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [knowledgeCenterStandIn()],
  // Pre-bundled at start, so that a first visit never triggers Vite's "new dependencies, reloading".
  optimizeDeps: { include: ['@tanstack/query-core', 'idb-keyval', 'zod/mini'] },
  server: { port: 5173, strictPort: false },
  build: { outDir: '../dist-demo', emptyOutDir: true },
});
