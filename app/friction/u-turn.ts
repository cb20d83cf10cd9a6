import type { PageViewRow } from "./types";

// Algorithm: walk each session's page views in time order. When page B
// follows page A and the next page view is A again, with B open for less
// than U_TURN_MAX_DWELL_MS, the shopper made a U-turn on B: it was not what
// they expected. Reloads (B's path equals A's) are not U-turns.

/**
 * Ten seconds lets a shopper see the page but not read or use it, so a
 * return to the previous page that fast means the page was a wrong turn.
 */
export const U_TURN_MAX_DWELL_MS = 10_000;

export interface UTurnSignal {
  kind: "u-turn";
  sessionId: string;
  /** The page view the shopper turned back from. */
  pageViewId: string;
  path: string;
  /** Path of the page the shopper came from and returned to. */
  returnedTo: string;
  dwellMs: number;
}

/**
 * Finds quick returns to the previous page.
 *
 * NOTE: the return is recognised by its path alone, so following a link
 * back to the previous page looks the same as the browser's back button.
 */
export function detectUTurns(pageViews: PageViewRow[]): UTurnSignal[] {
  const signals: UTurnSignal[] = [];
  for (const session of groupBySession(pageViews)) {
    for (let i = 1; i + 1 < session.length; i += 1) {
      const [before, page, after] = [
        session[i - 1],
        session[i],
        session[i + 1],
      ];
      const dwellMs = after.startedAt - page.startedAt;
      if (page.path === before.path) continue;
      if (after.path !== before.path) continue;
      if (dwellMs >= U_TURN_MAX_DWELL_MS) continue;
      signals.push({
        kind: "u-turn",
        sessionId: page.sessionId,
        pageViewId: page.pageViewId,
        path: page.path,
        returnedTo: before.path,
        dwellMs,
      });
    }
  }
  return signals;
}

function groupBySession(pageViews: PageViewRow[]): PageViewRow[][] {
  const sessions = new Map<string, PageViewRow[]>();
  for (const pageView of pageViews) {
    const session = sessions.get(pageView.sessionId) ?? [];
    session.push(pageView);
    sessions.set(pageView.sessionId, session);
  }
  return [...sessions.values()].map((session) =>
    session.sort((a, b) => a.startedAt - b.startedAt),
  );
}
