import type pg from "pg";
import type { DateRange } from "../date-range.server";
import type { RevenueCounts } from "./metrics";
import {
  REVENUE_AGGREGATES,
  SESSIONS_WITH_REVENUE,
  type RevenueRow,
  toCounts,
} from "./sessions-cte.server";

export interface PageRevenueRow extends RevenueCounts {
  path: string;
}

const MAX_ROWS = 100;

/**
 * RPS by page: for each path, the sessions that viewed it (seen by the
 * storefront script or the web pixel) and the revenue of those sessions.
 * A session counts once per path however often it viewed it.
 */
export async function revenueByPage(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<PageRevenueRow[]> {
  const result = await pool.query<RevenueRow & { path: string }>(
    `WITH ${SESSIONS_WITH_REVENUE},
     viewed AS (
       SELECT pv."sessionId" AS id, pv.path
       FROM "PageView" pv JOIN s ON s.id = pv."sessionId"
       WHERE pv."shopId" = $1
       UNION
       SELECT e."sessionId", e.path
       FROM "StorefrontEvent" e JOIN s ON s.id = e."sessionId"
       WHERE e."shopId" = $1 AND e.name = 'page_viewed' AND e.path IS NOT NULL
     )
     SELECT viewed.path, ${REVENUE_AGGREGATES}
     FROM viewed LEFT JOIN rev ON rev.id = viewed.id
     GROUP BY viewed.path
     ORDER BY sessions DESC, viewed.path
     LIMIT ${MAX_ROWS}`,
    [filter.shopId, filter.range.from, filter.range.to, filter.timezone],
  );
  return result.rows.map((row) => ({ path: row.path, ...toCounts(row) }));
}
