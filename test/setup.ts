// happy-dom has no IndexedDB: fake-indexeddb gives the library a real implementation of the API.
import 'fake-indexeddb/auto';
