import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createKnowledgeServer,
  type KnowledgeServer,
  type KnowledgeServerOptions,
} from './knowledgeServer.js';

/** The few members of a Vite dev or preview server the plugin uses (no import of Vite: it is not a dependency). */
interface ConnectServer {
  middlewares: {
    use(handler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): unknown;
  };
}

/** A Vite plugin, typed structurally so that this module needs no Vite types. */
export interface StandInPlugin {
  name: string;
  /** The stand-in itself: its log, sessions, faults and `configure()`, for a dev script that wants them. */
  server: KnowledgeServer;
  configureServer(server: ConnectServer): void;
  configurePreviewServer(server: ConnectServer): void;
}

/**
 * Mounts the stand-in Knowledge Center into a Vite dev (and preview) server: the API under `basePath`
 * (`/gks-server/v1` by default) and the fault controls under `/__gkc/`, on the page's own origin, so the
 * widget runs with no Knowledge Center and no CORS in the way. Every other path goes on to Vite.
 *
 * @example
 * // vite.config.ts
 * import { knowledgeCenterStandIn } from 'gkc-session/stand-in';
 * export default defineConfig({ plugins: [knowledgeCenterStandIn({ version: '8.5.1' })] });
 * // and in the page: createSessionManager({ baseUrl: '/gks-server/v1' })
 */
export function knowledgeCenterStandIn(options: KnowledgeServerOptions = {}): StandInPlugin {
  const server = createKnowledgeServer(options);
  const mount = (host: ConnectServer) => {
    host.middlewares.use((req, res, next) => server.handle(req, res, next));
  };
  return { name: 'gkc-session-stand-in', server, configureServer: mount, configurePreviewServer: mount };
}
