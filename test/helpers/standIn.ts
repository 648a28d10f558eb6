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

/**
 * For `vi.waitFor`: its default second is too short on a loaded CI machine, where an Update through
 * the stand-in has been seen to take longer. Waiting longer costs nothing when the condition holds.
 */
export const patience = { timeout: 5000, interval: 20 };
