// `gkc-session/stand-in`: the stand-in Knowledge Center for Node, for an integrator's dev server and tests.
// Not part of the browser library (`gkc-session`): it imports node:http and never reaches a page's bundle.
export {
  type CallName,
  createKnowledgeServer,
  type Envelope,
  type Faults,
  type Feedback,
  type KnowledgeServer,
  type KnowledgeServerOptions,
  type LoggedRequest,
  type Malformation,
  type ServerVersion,
  type StoredSession,
} from './knowledgeServer.js';
export { type Article, sampleArticles, sampleKbId } from './sampleArticles.js';
export { knowledgeCenterStandIn, type StandInPlugin } from './standInPlugin.js';
