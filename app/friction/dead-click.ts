import type { ClickRow, Interval, TargetKind } from "./types";

// Algorithm: a click is dead when nothing visible followed it. It is alive
// when the DOM changed within DEAD_CLICK_DOM_CHANGE_MS, when the page
// scrolled or the text selection changed within DEAD_CLICK_QUICK_RESPONSE_MS,
// or when it navigated, changed visibility or moved focus within
// DEAD_CLICK_DOM_CHANGE_MS. Clicks that open a new tab, clicks on
// DEAD_CLICK_EXEMPT_KINDS, and clicks whose window overlaps a time the page
// was hidden are never dead.

/** Slow pages may take a while to render a response, so wait this long. */
export const DEAD_CLICK_DOM_CHANGE_MS = 2500;
/**
 * Scrolls and selection changes caused by a click follow it at once, so later
 * ones are the shopper's own doing.
 */
export const DEAD_CLICK_QUICK_RESPONSE_MS = 100;
/**
 * Clicking into a focused text field only moves the caret, which changes
 * nothing visible, yet the field works.
 */
export const DEAD_CLICK_EXEMPT_KINDS: ReadonlySet<TargetKind> = new Set([
  "text-field",
]);

export interface DeadClickSignal {
  kind: "dead-click";
  sessionId: string;
  pageViewId: string;
  selector: string;
  at: number;
  x: number;
  y: number;
}

/** Finds clicks that got no visible response, one signal per click. */
export function detectDeadClicks(clicks: ClickRow[]): DeadClickSignal[] {
  return clicks.filter(isDeadClick).map((click) => ({
    kind: "dead-click",
    sessionId: click.sessionId,
    pageViewId: click.pageViewId,
    selector: click.selector,
    at: click.at,
    x: click.x,
    y: click.y,
  }));
}

function isDeadClick(click: ClickRow): boolean {
  if (click.opensNewTab) return false;
  if (DEAD_CLICK_EXEMPT_KINDS.has(click.targetKind)) return false;

  // A hidden page pauses rendering and timers, so its silence proves
  // nothing. Only hidden periods that overlap the click's own window count,
  // because a tab hidden earlier in the session has no bearing on this click.
  const windowEnd = click.at + DEAD_CLICK_DOM_CHANGE_MS;
  const hiddenInWindow = click.hiddenIntervals.some((hidden) =>
    overlaps(hidden, click.at, windowEnd),
  );
  if (hiddenInWindow) return false;

  const slowWindow = DEAD_CLICK_DOM_CHANGE_MS;
  const quickWindow = DEAD_CLICK_QUICK_RESPONSE_MS;
  const responded =
    within(click.at, click.domChangeAt, slowWindow) ||
    within(click.at, click.navigationAt, slowWindow) ||
    within(click.at, click.visibilityChangeAt, slowWindow) ||
    within(click.at, click.focusChangeAt, slowWindow) ||
    within(click.at, click.scrollAt, quickWindow) ||
    within(click.at, click.selectionChangeAt, quickWindow);
  return !responded;
}

function within(clickAt: number, eventAt: number | null, windowMs: number) {
  return (
    eventAt !== null && eventAt >= clickAt && eventAt - clickAt <= windowMs
  );
}

/** Tells whether `[start, end)` and `[from, to]` overlap. */
function overlaps([start, end]: Interval, from: number, to: number): boolean {
  return start <= to && end > from;
}
