import * as z from 'zod/mini';
import { sessionInfoSchema, valuesSchema } from './schemas.js';
import { sessionChangeReasons } from './sessionState.js';

/**
 * What one manager tells the others of the same server (other tabs, and other managers of the same page:
 * a BroadcastChannel reaches every other channel object of the same name, its own excepted).
 */
const messageSchema = z.discriminatedUnion('type', [
  // The session as the server acknowledged it, and the sender's changes not acknowledged yet: receivers
  // show both, and keep the second in the store, but only the sender sends them.
  z.object({
    type: z.literal('session'),
    session: sessionInfoSchema,
    pending: valuesSchema,
    reason: z.enum(sessionChangeReasons),
  }),
  // Sent when a session is replaced (reset, another customer): stop using it at once, the new one follows.
  z.object({ type: z.literal('forget') }),
  // Sent by the holder of the lock while it works: the others keep waiting rather than go ahead alone.
  z.object({ type: z.literal('busy') }),
]);
export type ChannelMessage = z.infer<typeof messageSchema>;

/**
 * A BroadcastChannel that can be suspended: an open channel keeps a page out of the back/forward cache in
 * some browsers, so it is closed on `pagehide` and opened again on `pageshow`. Messages are validated:
 * another tab may run an older or newer version of this library.
 */
export class SessionChannel {
  #channel: BroadcastChannel | null = null;
  readonly #name: string;
  readonly #Channel: typeof BroadcastChannel | null;
  readonly #onMessage: (message: ChannelMessage) => void;

  constructor(
    name: string,
    Channel: typeof BroadcastChannel | null,
    onMessage: (message: ChannelMessage) => void,
  ) {
    this.#name = name;
    this.#Channel = Channel;
    this.#onMessage = onMessage;
  }

  open(): void {
    if (this.#channel || !this.#Channel) return;
    const channel = new this.#Channel(this.#name);
    channel.onmessage = (event: MessageEvent) => {
      const parsed = messageSchema.safeParse(event.data);
      if (parsed.success) this.#onMessage(parsed.data);
    };
    // Node's BroadcastChannel would keep a server-side process alive; a page's has no unref.
    (channel as { unref?: () => void }).unref?.();
    this.#channel = channel;
  }

  post(message: ChannelMessage): void {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A closing channel throws InvalidStateError; the other tabs re-read the store when they start.
    }
  }

  close(): void {
    this.#channel?.close();
    this.#channel = null;
  }
}
