/**
 * The page's back/forward-cache events, where there is a page. An open IndexedDB connection or
 * BroadcastChannel keeps a page out of the back/forward cache in some browsers, so they are released on
 * `pagehide`; a page restored from the cache (`pageshow` with `persisted`) missed what other tabs did.
 * Returns the function that stops listening; in Node (SSR) there is nothing to listen to.
 */
export function watchPageLifecycle(handlers: { onHide: () => void; onRestore: () => void }): () => void {
  const target = globalThis as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>;
  if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') {
    return () => {};
  }
  const onPageHide = () => handlers.onHide();
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) handlers.onRestore();
  };
  target.addEventListener('pagehide', onPageHide);
  target.addEventListener('pageshow', onPageShow);
  return () => {
    target.removeEventListener?.('pagehide', onPageHide);
    target.removeEventListener?.('pageshow', onPageShow);
  };
}
