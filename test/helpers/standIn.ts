import { afterEach } from 'vitest';
import {
  createKnowledgeServer,
  type KnowledgeServer,
  type KnowledgeServerOptions,
} from '../server/knowledgeServer';

const running: KnowledgeServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** Starts a stand-in Knowledge Center on 127.0.0.1 (a free port) for this test; closed after it. */
export async function startStandIn(
  options?: KnowledgeServerOptions,
): Promise<{ server: KnowledgeServer; baseUrl: string }> {
  const server = createKnowledgeServer(options);
  running.push(server);
  const baseUrl = await server.listen();
  return { server, baseUrl };
}
