import { isExcluded } from "./excluded-selectors";
import type { ClickRow, TargetKind } from "./types";

// Algorithm: sort a page view's clicks by time, drop clicks on exempt
// targets, and chain each click to the previous one when it came within
// RAGE_CLICK_INTERVAL_MS and RAGE_CLICK_RADIUS_PX of it. A chain of at least
// RAGE_CLICK_MIN_CLICKS clicks is one burst and yields one signal, unless the
// page visibly reacted (a DOM change within RAGE_CLICK_REACTION_MS) to every
// click of the burst.

/** Three quick clicks separate frustration from an ordinary double click. */
export const RAGE_CLICK_MIN_CLICKS = 3;
/** Repeated frustrated clicks come faster than one per second. */
export const RAGE_CLICK_INTERVAL_MS = 1000;
/** About a button's size, because clicks farther apart aim at different things. */
export const RAGE_CLICK_RADIUS_PX = 30;
/** A change later than the next click can come is not a reaction to this one. */
export const RAGE_CLICK_REACTION_MS = RAGE_CLICK_INTERVAL_MS;
/** Controls that shoppers are meant to click quickly and repeatedly. */
export const RAGE_CLICK_EXEMPT_KINDS: ReadonlySet<TargetKind> = new Set([
  "stepper",
  "carousel",
  "toggle",
  "text-field",
]);

export interface RageClickOptions {
  /**
   * Selectors the merchant excluded. A click is excluded when its selector
   * equals an entry, or when an entry ends in `*` and the click's selector
   * starts with the text before the `*` (`#gallery *` excludes `#gallery img`).
   */
  excludedSelectors?: string[];
}

export interface RageClickSignal {
  kind: "rage-click";
  sessionId: string;
  pageViewId: string;
  /** Selector of the burst's first click. */
  selector: string;
  startAt: number;
  endAt: number;
  clicks: number;
  x: number;
  y: number;
}

/** Finds rage-click bursts, one signal per burst, ordered by session and time. */
export function detectRageClicks(
  clicks: ClickRow[],
  options: RageClickOptions = {},
): RageClickSignal[] {
  const excluded = options.excludedSelectors ?? [];
  const candidates = clicks
    .filter((click) => !RAGE_CLICK_EXEMPT_KINDS.has(click.targetKind))
    .filter((click) => !isExcluded(click.selector, excluded));

  const signals: RageClickSignal[] = [];
  for (const pageClicks of groupByPageView(candidates)) {
    for (const burst of splitIntoBursts(pageClicks)) {
      if (burst.length < RAGE_CLICK_MIN_CLICKS) continue;
      if (burst.every(reactedToClick)) continue;
      signals.push(toSignal(burst));
    }
  }
  return signals;
}

function groupByPageView(clicks: ClickRow[]): ClickRow[][] {
  const groups = new Map<string, ClickRow[]>();
  for (const click of clicks) {
    const key = `${click.sessionId}\u0000${click.pageViewId}`;
    const group = groups.get(key) ?? [];
    group.push(click);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => group.sort((a, b) => a.at - b.at));
}

function splitIntoBursts(sortedClicks: ClickRow[]): ClickRow[][] {
  const bursts: ClickRow[][] = [];
  let current: ClickRow[] = [];
  for (const click of sortedClicks) {
    const previous = current[current.length - 1];
    if (previous && !isCloseTo(previous, click)) {
      bursts.push(current);
      current = [];
    }
    current.push(click);
  }
  if (current.length > 0) bursts.push(current);
  return bursts;
}

function isCloseTo(previous: ClickRow, next: ClickRow): boolean {
  const distance = Math.hypot(next.x - previous.x, next.y - previous.y);
  return (
    next.at - previous.at <= RAGE_CLICK_INTERVAL_MS &&
    distance <= RAGE_CLICK_RADIUS_PX
  );
}

function reactedToClick(click: ClickRow): boolean {
  return (
    click.domChangeAt !== null &&
    click.domChangeAt >= click.at &&
    click.domChangeAt - click.at <= RAGE_CLICK_REACTION_MS
  );
}

function toSignal(burst: ClickRow[]): RageClickSignal {
  const first = burst[0];
  const last = burst[burst.length - 1];
  return {
    kind: "rage-click",
    sessionId: first.sessionId,
    pageViewId: first.pageViewId,
    selector: first.selector,
    startAt: first.at,
    endAt: last.at,
    clicks: burst.length,
    x: first.x,
    y: first.y,
  };
}
