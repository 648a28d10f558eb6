// What the documentation's examples take from the application around them, and the few framework functions
// they call, declared as those frameworks' own type definitions declare them (trimmed to what is used), so
// that CI needs no framework installed; React's own types are installed beside the package (the binding's
// examples use them). Compiled with every example by test/package/packed.mjs.
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

/** A test runner's assertion, as the stand-in's testing example uses it (Vitest's and Jest's shape). */
declare function expect(actual: unknown): { toHaveLength(length: number): void };

declare module 'vite' {
  export function defineConfig<Config extends { plugins?: unknown[] }>(config: Config): Config;
}
