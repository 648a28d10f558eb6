import { focusManager } from '@tanstack/query-core';
import * as z from 'zod/mini';
import type { VisitData } from '../types.js';

/**
 * The Genesys Web Engagement tracker's visit ids, read with `_gt.push(['getIDs', callback])` (its Monitoring
 * JS API). The ids change when a new visit starts, so they are read again whenever the page regains focus.
 * The tracker is someone else's script: what it hands back is validated, and key spellings vary
 * (`visitID`, as the tracker's docs write it, or `visitId`).
 */
const idsSchema = z.looseObject({
  visitID: z.optional(z.string()),
  visitId: z.optional(z.string()),
  globalVisitID: z.optional(z.string()),
  globalVisitId: z.optional(z.string()),
});

interface Tracker {
  push(command: unknown[]): unknown;
}

function tracker(): Tracker | null {
  const candidate = (globalThis as { _gt?: unknown })._gt;
  return typeof candidate === 'object' &&
    candidate !== null &&
    typeof (candidate as Tracker).push === 'function'
    ? (candidate as Tracker)
    : null;
}

/**
 * Calls `onIds` with the tracker's visit ids now and each time the page regains focus. The queue stub of
 * the tracker's snippet (`window._gt = window._gt || []`) works too: the tracker runs queued commands once it
 * loads. Returns the function that stops watching.
 */
export function watchWebEngagement(onIds: (ids: VisitData) => void): () => void {
  const read = () => {
    try {
      tracker()?.push([
        'getIDs',
        (raw: unknown) => {
          const parsed = idsSchema.safeParse(raw);
          if (!parsed.success) return;
          // An empty id is no id.
          const visitId = (parsed.data.visitID ?? parsed.data.visitId) || undefined;
          const globalVisitId = (parsed.data.globalVisitID ?? parsed.data.globalVisitId) || undefined;
          if (visitId || globalVisitId) onIds({ visitId, globalVisitId });
        },
      ]);
    } catch {
      // A broken tracker must not break the session: the ids are simply not read this time.
    }
  };
  read();
  return focusManager.subscribe((focused) => {
    if (focused) read();
  });
}
