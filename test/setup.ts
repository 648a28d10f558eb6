// happy-dom has no IndexedDB: fake-indexeddb gives the library a real implementation of the API.
// Files that run in the plain Node environment get none, as on a server.
if (typeof window !== 'undefined') await import('fake-indexeddb/auto');

export {};
