// What the documentation's examples take from the application around them, and the few framework functions
// they call, declared as those frameworks' own type definitions declare them (trimmed to what is used), so
// that CI needs no framework installed. Compiled with every example by test/package/packed.mjs.
/** A manager created elsewhere in the application. */
declare const manager: import('gkc-session').SessionManager;
/** The signed-in user, if any. */
declare const user: { id: string } | undefined;
declare const baseUrl: string;
declare const tenantId: string | undefined;
/** The Genesys Web Engagement ids, as the tracker spells them. */
declare const gwe: { visitID: string; globalVisitID: string };
/** The application's own rendering. */
declare function render(status: string, sessionId: string | undefined): void;
/**
 * The Storage Access API's handle of unpartitioned storage (https://privacycg.github.io/saa-non-cookie-storage/),
 * which TypeScript's DOM library does not declare yet: trimmed to what the examples use.
 */
interface StorageAccessTypes {
  indexedDB?: boolean;
  locks?: boolean;
  BroadcastChannel?: boolean;
}
interface StorageAccessHandle {
  readonly indexedDB: IDBFactory;
  readonly locks: LockManager;
  BroadcastChannel(name: string): BroadcastChannel;
}
interface Document {
  requestStorageAccess(types: StorageAccessTypes): Promise<StorageAccessHandle>;
}
/** Another HTTP client. */
declare const axios: { get(url: string, config: { headers: Record<string, string> }): Promise<unknown> };

declare namespace JSX {
  type Element = unknown;
  interface IntrinsicElements {
    [name: string]: Record<string, unknown>;
  }
}

declare module 'react' {
  export function useSyncExternalStore<Snapshot>(
    subscribe: (onStoreChange: () => void) => () => void,
    getSnapshot: () => Snapshot,
    getServerSnapshot?: () => Snapshot,
  ): Snapshot;
  // biome-ignore lint/suspicious/noConfusingVoidType: React's EffectCallback returns `void | Destructor`.
  export function useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void;
  export function useState<S>(initialState: S | (() => S)): [S, (value: S | ((previous: S) => S)) => void];
}

declare module 'vue' {
  export interface ShallowRef<T> {
    value: T;
  }
  export function shallowRef<T>(value: T): ShallowRef<T>;
  export function onScopeDispose(fn: () => void, failSilently?: boolean): void;
}

declare module 'svelte/store' {
  export interface Readable<T> {
    subscribe(run: (value: T) => void, invalidate?: () => void): () => void;
  }
  export function readable<T>(
    value?: T,
    // biome-ignore lint/suspicious/noConfusingVoidType: Svelte's StartStopNotifier returns `void | (() => void)`.
    start?: (set: (value: T) => void, update: (updater: (value: T) => T) => void) => void | (() => void),
  ): Readable<T>;
}

/** A test runner's assertion, as the stand-in's testing example uses it (Vitest's and Jest's shape). */
declare function expect(actual: unknown): { toHaveLength(length: number): void };

declare module 'vite' {
  export function defineConfig<Config extends { plugins?: unknown[] }>(config: Config): Config;
}
