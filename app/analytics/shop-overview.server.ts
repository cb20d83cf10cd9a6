import type pg from "pg";
import type { DateRange } from "./date-range.server";
import { RANGE_BOUNDS_SQL } from "./date-range.server";

export interface TopPageRow {
  path: string;
  pageViews: number;
  clicks: number;
}

export interface ShopOverview {
  sessions: number;
  pageViews: number;
  clicks: number;
  topPages: TopPageRow[];
}

/**
 * Counts of a date range (shop-local days) for the overview page, bots
 * excluded.
 */
export async function shopOverview(
  pool: pg.Pool,
  shopId: string,
  timezone: string,
  range: DateRange,
): Promise<ShopOverview> {
  const lower = RANGE_BOUNDS_SQL.lower("$2", "$4");
  const upper = RANGE_BOUNDS_SQL.upper("$3", "$4");
  const totals = await pool.query<{
    sessions: string;
    page_views: string;
    clicks: string;
  }>(
    `SELECT
       (SELECT count(*) FROM "VisitorSession"
         WHERE "shopId" = $1 AND "startedAt" >= ${lower} AND "startedAt" < ${upper} AND NOT "isBot") AS sessions,
       (SELECT count(*) FROM "PageView" pv
          JOIN "VisitorSession" s ON s."shopId" = pv."shopId" AND s.id = pv."sessionId"
         WHERE pv."shopId" = $1 AND pv."startedAt" >= ${lower} AND pv."startedAt" < ${upper}
           AND NOT s."isBot") AS page_views,
       (SELECT count(*) FROM "InteractionEvent" e
          JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
         WHERE e."shopId" = $1 AND e."occurredAt" >= ${lower} AND e."occurredAt" < ${upper}
           AND e.type = 'click'
           AND NOT s."isBot") AS clicks`,
    [shopId, range.from, range.to, timezone],
  );
  const top = await pool.query<{
    path: string;
    page_views: string;
    clicks: string;
  }>(
    `SELECT pv.path, count(DISTINCT pv.id) AS page_views,
            count(e.id) AS clicks
     FROM "PageView" pv
     JOIN "VisitorSession" s ON s."shopId" = pv."shopId" AND s.id = pv."sessionId"
     LEFT JOIN "InteractionEvent" e
       ON e."shopId" = pv."shopId" AND e."pageViewId" = pv.id AND e.type = 'click'
     WHERE pv."shopId" = $1 AND pv."startedAt" >= ${lower} AND pv."startedAt" < ${upper}
           AND NOT s."isBot"
     GROUP BY pv.path
     ORDER BY page_views DESC, pv.path
     LIMIT 10`,
    [shopId, range.from, range.to, timezone],
  );
  const row = totals.rows[0];
  return {
    sessions: Number(row.sessions),
    pageViews: Number(row.page_views),
    clicks: Number(row.clicks),
    topPages: top.rows.map((page) => ({
      path: page.path,
      pageViews: Number(page.page_views),
      clicks: Number(page.clicks),
    })),
  };
}
