// The stand-in now ships in the package (tools/, built into the `gkc-session-stand-in` command and the
// `gkc-session/stand-in` module). This path stays so that existing test imports keep working.
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
} from '../../tools/knowledgeServer.ts';
