import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { createKnowledgeServer } from '../test/server/knowledgeServer.ts';

/**
 * `npm start`: the demo page and the stand-in Knowledge Center in one Vite dev server. The stand-in answers
 * under /gks-server/v1 (the Knowledge Center API) and /__gkc/ (its fault controls), same origin as the page.
 */
function standInKnowledgeCenter(): Plugin {
  const server = createKnowledgeServer();
  return {
    name: 'gkc-stand-in',
    configureServer(vite) {
      vite.middlewares.use((req, res, next) => server.handle(req, res, next));
    },
    configurePreviewServer(preview) {
      preview.middlewares.use((req, res, next) => server.handle(req, res, next));
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [standInKnowledgeCenter()],
  // Pre-bundled at start, so that a first visit never triggers Vite's "new dependencies, reloading".
  optimizeDeps: { include: ['@tanstack/query-core', 'idb-keyval', 'zod/mini'] },
  server: { port: 5173, strictPort: false },
  build: { outDir: '../dist-demo', emptyOutDir: true },
});
