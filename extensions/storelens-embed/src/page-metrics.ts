// Scroll offset, document height and viewport of the current page, read
// from whichever element actually scrolls it.

export interface PageMetrics {
  scrollX: number;
  scrollY: number;
  documentHeight: number;
  viewportWidth: number;
  viewportHeight: number;
}

function overflowY(element: Element): string {
  return getComputedStyle(element).overflowY;
}

/**
 * Tells whether `body` is a scroll container of its own. Some themes set
 * `html { overflow: hidden }` and `body { height: 100%; overflow: auto }`:
 * the window then never scrolls and `window.scrollY` stays 0. While `html`
 * is `overflow: visible`, browsers apply the body's overflow to the
 * viewport instead, so the body itself does not scroll.
 */
function bodyScrolls(body: HTMLElement, root: HTMLElement): boolean {
  if (body.scrollTop > 0 || body.scrollLeft > 0) return true;
  return (
    body.scrollHeight > body.clientHeight &&
    overflowY(root) !== "visible" &&
    /auto|scroll/.test(overflowY(body))
  );
}

/** Returns the element whose scroll offset moves the page content. */
export function pageScroller(): Element {
  const root = document.documentElement;
  const body = document.body;
  const viewportScroller = document.scrollingElement || root;
  if (body && body !== viewportScroller && bodyScrolls(body, root)) {
    return body;
  }
  return viewportScroller;
}

export function pageMetrics(): PageMetrics {
  const scroller = pageScroller();
  return {
    scrollX: scroller.scrollLeft,
    scrollY: scroller.scrollTop,
    documentHeight: scroller.scrollHeight,
    viewportWidth: Math.max(1, window.innerWidth),
    viewportHeight: Math.max(1, window.innerHeight),
  };
}
