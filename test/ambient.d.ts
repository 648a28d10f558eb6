// fake-indexeddb ships auto.d.ts, but its exports map does not point at it.
declare module 'fake-indexeddb/auto' {}
