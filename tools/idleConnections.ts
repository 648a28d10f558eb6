import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The connections requests came over, and how many of their requests are still being answered, so that the
 * idle ones can be closed when the stand-in goes down.
 *
 * Why: a browser resends a request when a connection it kept alive is reset before any answer (it takes the
 * reset for a connection that timed out while idle). Chromium tries each pooled connection in turn, then a
 * new one: a single search against a server that resets every connection reached it up to seven times, and
 * the log read as retries that the library never makes. A request on a fresh connection is not resent; so
 * "down" closes the kept-alive connections when it begins and keeps none alive while it lasts.
 */
export interface IdleConnections {
  /** Counts the request on its connection until its answer is done. */
  track(req: IncomingMessage, res: ServerResponse): void;
  /** Closes every connection no request is being answered on. */
  closeIdle(): void;
}

export function idleConnections(): IdleConnections {
  const busy = new Map<Socket, number>();
  return {
    track(req, res) {
      const socket = req.socket;
      const count = busy.get(socket);
      if (count === undefined) socket.once('close', () => busy.delete(socket));
      busy.set(socket, (count ?? 0) + 1);
      res.once('close', () => {
        const left = busy.get(socket);
        if (left !== undefined) busy.set(socket, left - 1);
      });
    },
    closeIdle() {
      for (const [socket, count] of busy) if (count === 0) socket.destroy();
    },
  };
}
