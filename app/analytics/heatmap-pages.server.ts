import type pg from "pg";
import type { DateRange } from "./date-range.server";
import { RANGE_BOUNDS_SQL } from "./date-range.server";

export interface HeatmapPageRow {
  path: string;
  pageViews: number;
}

const MAX_PAGES = 200;

/** Paths with page views of one device class in a range, busiest first. */
export async function heatmapPages(
  pool: pg.Pool,
  filter: {
    shopId: string;
    timezone: string;
    device: string;
    range: DateRange;
  },
): Promise<HeatmapPageRow[]> {
  const result = await pool.query<{ path: string; page_views: string }>(
    `SELECT pv.path, count(*) AS page_views
     FROM "PageView" pv
     JOIN "VisitorSession" s ON s."shopId" = pv."shopId" AND s.id = pv."sessionId"
     WHERE pv."shopId" = $1 AND pv.device = $2
       AND pv."startedAt" >= ${RANGE_BOUNDS_SQL.lower("$3", "$5")}
       AND pv."startedAt" < ${RANGE_BOUNDS_SQL.upper("$4", "$5")}
       AND NOT s."isBot"
     GROUP BY pv.path
     ORDER BY page_views DESC, pv.path
     LIMIT ${MAX_PAGES}`,
    [
      filter.shopId,
      filter.device,
      filter.range.from,
      filter.range.to,
      filter.timezone,
    ],
  );
  return result.rows.map((row) => ({
    path: row.path,
    pageViews: Number(row.page_views),
  }));
}
