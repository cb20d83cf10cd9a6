import type { ProductViewRow, PurchaseRow } from "./types";

// Algorithm: per visitor and product, collect the distinct calendar days
// (in the shop's time zone) with a view, sorted. The pair is a signal when
// some REPEAT_VIEW_MIN_DAYS of those days fit in REPEAT_VIEW_WINDOW_DAYS
// consecutive days and the visitor never bought the product.

/** Coming back on three separate days shows lasting interest, not a reload. */
export const REPEAT_VIEW_MIN_DAYS = 3;
/** A week covers a weekend of comparing and a payday of waiting. */
export const REPEAT_VIEW_WINDOW_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RepeatViewSignal {
  kind: "repeat-view";
  visitorId: string;
  productId: string;
  /** Days (YYYY-MM-DD) of the first qualifying window, oldest first. */
  days: string[];
  /** All views of the product by the visitor, in the window or not. */
  views: number;
}

/**
 * Finds products a visitor kept coming back to without buying.
 * Days are counted in `timeZone`, an IANA name such as `Europe/Berlin`.
 */
export function detectRepeatViews(
  views: ProductViewRow[],
  purchases: PurchaseRow[],
  timeZone = "UTC",
): RepeatViewSignal[] {
  const bought = new Set(
    purchases.map((purchase) =>
      pairKey(purchase.visitorId, purchase.productId),
    ),
  );
  const toDay = dayFormatter(timeZone);

  const pairs = new Map<
    string,
    { row: ProductViewRow; days: Set<string>; views: number }
  >();
  for (const view of views) {
    const key = pairKey(view.visitorId, view.productId);
    if (bought.has(key)) continue;
    const pair = pairs.get(key) ?? { row: view, days: new Set(), views: 0 };
    pair.days.add(toDay(view.at));
    pair.views += 1;
    pairs.set(key, pair);
  }

  const signals: RepeatViewSignal[] = [];
  for (const { row, days, views: count } of pairs.values()) {
    const window = firstQualifyingWindow([...days].sort());
    if (!window) continue;
    signals.push({
      kind: "repeat-view",
      visitorId: row.visitorId,
      productId: row.productId,
      days: window,
      views: count,
    });
  }
  return signals;
}

function pairKey(visitorId: string, productId: string): string {
  return `${visitorId}\u0000${productId}`;
}

/** Returns the days within the window that starts at the earliest qualifying day. */
function firstQualifyingWindow(sortedDays: string[]): string[] | null {
  const dayNumbers = sortedDays.map((day) => Date.parse(day) / DAY_MS);
  for (let start = 0; start < sortedDays.length; start += 1) {
    const lastAllowed = dayNumbers[start] + REPEAT_VIEW_WINDOW_DAYS - 1;
    let end = start;
    while (end + 1 < sortedDays.length && dayNumbers[end + 1] <= lastAllowed) {
      end += 1;
    }
    if (end - start + 1 >= REPEAT_VIEW_MIN_DAYS) {
      return sortedDays.slice(start, end + 1);
    }
  }
  return null;
}

/** Formats epoch ms as YYYY-MM-DD in `timeZone`, the order "en-CA" uses. */
function dayFormatter(timeZone: string): (at: number) => string {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return (at) => format.format(at);
}
