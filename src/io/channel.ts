import * as z from 'zod/mini';
import type { StoredRecord } from '../core/record.js';
import { storedRecordSchema } from '../core/schemas.js';

/** What the managers of one server tell each other (other tabs, through a BroadcastChannel). */
export type ChannelMessage =
  // The record as just written: taken in by the receivers as a store read would be.
  | { type: 'record'; record: StoredRecord }
  // Sent by the holder of the lock while it works: the others keep waiting rather than go ahead alone.
  | { type: 'busy' }
  // A manager with pending changes is gone (destroyed, page hidden): one of the others takes them over.
  | { type: 'gone'; owner: string };

/** One object schema, the combinations checked by hand: a discriminated union costs more bytes than it saves. */
const messageSchema = z.object({
  type: z.string(),
  record: z.optional(storedRecordSchema),
  owner: z.optional(z.string()),
});

function toMessage(data: z.infer<typeof messageSchema>): ChannelMessage | null {
  if (data.type === 'record' && data.record) return { type: 'record', record: data.record as StoredRecord };
  if (data.type === 'gone' && data.owner !== undefined) return { type: 'gone', owner: data.owner };
  return data.type === 'busy' ? { type: 'busy' } : null;
}

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
      const message = parsed.success && toMessage(parsed.data);
      if (message) this.#onMessage(message);
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
