import type pg from "pg";
import { RANGE_BOUNDS_SQL } from "./date-range.server";
import type { PageMapFilter } from "./heatmap-filter";
import { pageMapParams } from "./heatmap-filter";

/** Page views per whole percent of the page reached (0..100). */
export interface DepthHistogramRow {
  percent: number;
  pageViews: number;
}

export async function scrollDepths(
  pool: pg.Pool,
  filter: PageMapFilter,
): Promise<DepthHistogramRow[]> {
  // Page views without a scroll event have no document height and are left
  // out rather than counted as 0%.
  const result = await pool.query<{ percent: number; page_views: string }>(
    `SELECT floor(LEAST(pv."maxScrollPx"::float8 / pv."documentHeight", 1) * 100)::int
              AS percent,
            count(*) AS page_views
     FROM "PageView" pv
     JOIN "VisitorSession" s ON s."shopId" = pv."shopId" AND s.id = pv."sessionId"
     WHERE pv."shopId" = $1 AND pv.path = $2 AND pv.device = $3
       AND pv."documentHeight" > 0
       AND pv."viewportWidth" >= $7 AND pv."viewportWidth" <= $8
       AND pv."startedAt" >= ${RANGE_BOUNDS_SQL.lower("$4", "$6")}
       AND pv."startedAt" < ${RANGE_BOUNDS_SQL.upper("$5", "$6")}
       AND NOT s."isBot"
     GROUP BY 1
     ORDER BY 1`,
    pageMapParams(filter),
  );
  return result.rows.map((row) => ({
    percent: row.percent,
    pageViews: Number(row.page_views),
  }));
}
