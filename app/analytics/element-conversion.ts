// Element-level conversion: for each clicked element, the share of the
// sessions that clicked it and then bought, and their revenue per session.

/**
 * Minimum sessions for an element's rate to be shown. At 30 sessions and a
 * 10% rate the 95% interval (normal approximation) spans about ±11 points,
 * and fewer sessions say little about the element.
 */
export const MIN_SESSIONS_FOR_RATE = 30;

/** Sessions of one element, as the query returns them. */
export interface ElementSessionsRow {
  selector: string;
  fixed: boolean;
  /** Sessions that clicked the element. */
  sessions: number;
  /** Of those, sessions with a counted order after their first click on it. */
  convertedSessions: number;
  /** Net revenue of those orders, in shop money. */
  revenue: number;
  clicks: number;
  /** Mean click placement, for drawing the element on the snapshot. */
  offsetX: number;
  offsetY: number;
  x: number;
  y: number;
}

export interface ElementConversion extends ElementSessionsRow {
  conversionRate: number;
  /** Revenue per session that clicked the element. */
  rps: number;
  /** True when the sample is below MIN_SESSIONS_FOR_RATE. */
  tooSmall: boolean;
}

/** Adds rates to each element's sessions, most sessions first. */
export function elementConversions(
  rows: ElementSessionsRow[],
): ElementConversion[] {
  return rows
    .filter((row) => row.sessions > 0)
    .map((row) => ({
      ...row,
      conversionRate: row.convertedSessions / row.sessions,
      rps: row.revenue / row.sessions,
      tooSmall: row.sessions < MIN_SESSIONS_FOR_RATE,
    }))
    .sort(
      (a, b) => b.sessions - a.sessions || (a.selector < b.selector ? -1 : 1),
    );
}
