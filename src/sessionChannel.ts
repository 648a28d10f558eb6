import * as z from 'zod/mini';
import { storedRecordSchema } from './schemas.js';
import type { StoredRecord } from './sessionRecord.js';

/** What the managers of one server tell each other (other tabs, through a BroadcastChannel). */
const messageSchema = z.discriminatedUnion('type', [
  // The record as just written: taken in by the receivers as a store read would be.
  z.object({ type: z.literal('record'), record: storedRecordSchema }),
  // Sent by the holder of the lock while it works: the others keep waiting rather than go ahead alone.
  z.object({ type: z.literal('busy') }),
  // A manager with pending changes is gone (destroyed, page hidden): one of the others takes them over.
  z.object({ type: z.literal('gone'), owner: z.string() }),
]);
export type ChannelMessage =
  | { type: 'record'; record: StoredRecord }
  | { type: 'busy' }
  | { type: 'gone'; owner: string };

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
      if (parsed.success) this.#onMessage(parsed.data as ChannelMessage);
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
