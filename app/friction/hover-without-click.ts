import type { ClickRow, HoverRow } from "./types";

// Algorithm: take hovers on calls to action that lasted at least
// HOVER_MIN_DWELL_MS and at most HOVER_MAX_DWELL_MS. Drop those whose
// element was clicked later in the same page view (from the hover's start
// on). One signal per page view and element, for its longest hover.

/** Three seconds on a button is hesitation, not a pointer passing over. */
export const HOVER_MIN_DWELL_MS = 3000;
/**
 * Beyond half a minute the pointer most likely rests there while the
 * shopper reads or has left, so the hover is not about the button.
 */
export const HOVER_MAX_DWELL_MS = 30_000;

export interface HoverWithoutClickSignal {
  kind: "hover-without-click";
  sessionId: string;
  pageViewId: string;
  selector: string;
  startAt: number;
  dwellMs: number;
}

/**
 * Finds calls to action that shoppers hovered long without clicking.
 *
 * NOTE: touch screens have no hover, so only mouse and pen users produce this signal.
 */
export function detectHoverWithoutClick(
  hovers: HoverRow[],
  clicks: Pick<ClickRow, "pageViewId" | "selector" | "at">[],
): HoverWithoutClickSignal[] {
  const lastClickAt = new Map<string, number>();
  for (const click of clicks) {
    const key = elementKey(click.pageViewId, click.selector);
    lastClickAt.set(key, Math.max(click.at, lastClickAt.get(key) ?? -Infinity));
  }

  const longest = new Map<string, HoverWithoutClickSignal>();
  for (const hover of hovers) {
    const dwellMs = hover.endAt - hover.startAt;
    if (!hover.isCallToAction) continue;
    if (dwellMs < HOVER_MIN_DWELL_MS || dwellMs > HOVER_MAX_DWELL_MS) continue;
    const key = elementKey(hover.pageViewId, hover.selector);
    const clickedLater = (lastClickAt.get(key) ?? -Infinity) >= hover.startAt;
    if (clickedLater) continue;

    const current = longest.get(key);
    if (current && current.dwellMs >= dwellMs) continue;
    longest.set(key, {
      kind: "hover-without-click",
      sessionId: hover.sessionId,
      pageViewId: hover.pageViewId,
      selector: hover.selector,
      startAt: hover.startAt,
      dwellMs,
    });
  }
  return [...longest.values()];
}

function elementKey(pageViewId: string, selector: string): string {
  return `${pageViewId}\u0000${selector}`;
}
