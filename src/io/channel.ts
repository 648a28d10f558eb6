import * as z from 'zod/mini';
import type { StoredRecord } from '../core/record.js';
import { storedRecordSchema } from '../core/schemas.js';
import type { ChannelSource } from '../types.js';

/** What the managers of one server tell each other (other tabs, through a BroadcastChannel). */
export type ChannelMessage =
  // The record as just written: taken in by the receivers as a store read would be.
  | { type: 'record'; record: StoredRecord }
  // Sent by the holder of the lock while it works: the others keep waiting rather than go ahead alone.
  | { type: 'busy' }
  // A manager with pending changes is gone (destroyed, page hidden): one of the others takes them over.
  | { type: 'gone'; owner: string }
  // A manager's store does not answer, or the holder of the lock has been silent: whoever holds a record
  // posts it, and a holder of the lock at work says `busy`. Answered from the message handler, which runs in a
  // background tab whose timers the browser throttles (a frozen tab answers nothing).
  | { type: 'ask' };

/** One object schema, the combinations checked by hand: a discriminated union costs more bytes than it saves. */
const messageSchema = z.object({
  type: z.string(),
  record: z.optional(storedRecordSchema),
  owner: z.optional(z.string()),
});

function toMessage(data: z.infer<typeof messageSchema>): ChannelMessage | null {
  if (data.type === 'record' && data.record) return { type: 'record', record: data.record as StoredRecord };
  if (data.type === 'gone' && data.owner !== undefined) return { type: 'gone', owner: data.owner };
  return data.type === 'busy' || data.type === 'ask' ? { type: data.type } : null;
}

/**
 * Opens a channel from `source`: a constructor (it has a `prototype`: the global BroadcastChannel, a class) is
 * called with `new`; anything else is called as a function of the name (an arrow function around a Storage
 * Access handle's `BroadcastChannel(name)` method, which is not a constructor).
 */
function openChannel(source: ChannelSource, name: string): BroadcastChannel {
  return typeof source.prototype === 'object'
    ? new (source as typeof BroadcastChannel)(name)
    : (source as (name: string) => BroadcastChannel)(name);
}

/**
 * A BroadcastChannel that can be suspended: an open channel keeps a page out of the back/forward cache in
 * some browsers, so it is closed on `pagehide` and opened again on `pageshow`. Messages are validated:
 * another tab may run an older or newer version of this library. A channel that cannot be opened or posted
 * to (a locked-down frame, a source that throws) is given up for good, and `onRefused` told once: the
 * managers go on without one, re-reading the store where they would have heard.
 */
export class SessionChannel {
  #channel: BroadcastChannel | null = null;
  readonly #name: string;
  #source: ChannelSource | null;
  readonly #onMessage: (message: ChannelMessage) => void;
  readonly #onRefused: (error: unknown) => void;

  constructor(
    name: string,
    source: ChannelSource | null,
    onMessage: (message: ChannelMessage) => void,
    onRefused: (error: unknown) => void,
  ) {
    this.#name = name;
    this.#source = source;
    this.#onMessage = onMessage;
    this.#onRefused = onRefused;
  }

  open(): void {
    if (this.#channel || !this.#source) return;
    let channel: BroadcastChannel;
    try {
      channel = openChannel(this.#source, this.#name);
    } catch (error) {
      this.#refuse(error);
      return;
    }
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
    } catch (error) {
      this.#refuse(error);
    }
  }

  close(): void {
    try {
      this.#channel?.close();
    } catch {
      // Closing is letting go: a channel that throws on it is let go all the same.
    }
    this.#channel = null;
  }

  #refuse(error: unknown): void {
    this.close();
    this.#source = null;
    this.#onRefused(error);
  }
}
