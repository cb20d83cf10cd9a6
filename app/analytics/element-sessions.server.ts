import type pg from "pg";
import { RANGE_BOUNDS_SQL } from "./date-range.server";
import type { ElementSessionsRow } from "./element-conversion";
import type { PageMapFilter } from "./heatmap-filter";
import { pageMapParams } from "./heatmap-filter";

/** Elements kept, by sessions; a product page has a few dozen. */
const MAX_ELEMENTS = 500;

/**
 * Sessions that clicked each element of a page (one device class and
 * band), and which of them bought afterwards: a counted order of the same
 * visit processed at or after the session's first click on the element.
 */
export async function elementSessions(
  pool: pg.Pool,
  filter: PageMapFilter,
): Promise<ElementSessionsRow[]> {
  const result = await pool.query<
    Omit<ElementSessionsRow, "revenue"> & { revenue: string }
  >(
    `WITH clicks AS (
       SELECT e.selector, e."sessionId", min(e."occurredAt") AS first_at,
              count(*)::int AS clicks, bool_or(COALESCE(e.fixed, false)) AS fixed,
              sum(e."offsetX") AS sum_ox, sum(e."offsetY") AS sum_oy,
              sum(e.x) AS sum_x, sum(e.y) AS sum_y
       FROM "InteractionEvent" e
       JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
       WHERE e."shopId" = $1 AND e.path = $2 AND e.device = $3
         AND e.type = 'click'
         AND e."occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$4", "$6")}
         AND e."occurredAt" < ${RANGE_BOUNDS_SQL.upper("$5", "$6")}
         AND e."viewportWidth" >= $7 AND e."viewportWidth" <= $8
         AND e.selector IS NOT NULL AND e.x IS NOT NULL AND e.y IS NOT NULL
         AND e."offsetX" IS NOT NULL AND e."offsetY" IS NOT NULL
         AND NOT s."isBot"
       GROUP BY e.selector, e."sessionId"
     ),
     bought AS (
       SELECT c.selector, c."sessionId",
              count(*) FILTER (WHERE n.counted) AS orders, sum(n.net) AS net
       FROM clicks c
       JOIN "OrderNet" n ON n."shopId" = $1 AND n."sessionId" = c."sessionId"
         AND n."processedAt" >= c.first_at
       GROUP BY c.selector, c."sessionId"
     )
     SELECT c.selector, bool_or(c.fixed) AS fixed, count(*)::int AS sessions,
            (count(*) FILTER (WHERE b.orders > 0))::int AS "convertedSessions",
            COALESCE(sum(b.net), 0)::text AS revenue,
            sum(c.clicks)::int AS clicks,
            sum(c.sum_ox) / sum(c.clicks) AS "offsetX",
            sum(c.sum_oy) / sum(c.clicks) AS "offsetY",
            sum(c.sum_x) / sum(c.clicks) AS x,
            sum(c.sum_y) / sum(c.clicks) AS y
     FROM clicks c
     LEFT JOIN bought b ON b.selector = c.selector AND b."sessionId" = c."sessionId"
     GROUP BY c.selector
     ORDER BY sessions DESC, c.selector
     LIMIT ${MAX_ELEMENTS}`,
    pageMapParams(filter),
  );
  return result.rows.map((row) => ({ ...row, revenue: Number(row.revenue) }));
}
