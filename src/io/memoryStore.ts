import type { KeyValueStore } from '../types.js';

/**
 * One map for the whole page: two managers for the same server in one page share their session even when
 * neither can use IndexedDB. Values are cloned in and out, as IndexedDB would, so no caller can change a
 * stored record by holding on to it.
 */
const records = new Map<string, unknown>();

export const memoryStore: KeyValueStore = {
  get: async (key) => structuredClone(records.get(key)),
  set: async (key, value) => {
    records.set(key, structuredClone(value));
  },
  del: async (key) => {
    records.delete(key);
  },
  update: async (key, updater) => {
    records.set(key, structuredClone(updater(structuredClone(records.get(key)))));
  },
};
