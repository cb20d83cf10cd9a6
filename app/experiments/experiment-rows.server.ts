import type pg from "pg";
import type { ArmDayRow } from "./evaluate";

/**
 * How far before a visit's first exposure an order's time may lie and still
 * count for the variant. Shopify stores order times in whole seconds, so
 * they can be up to a second off. A corrected exposure time is late by the
 * network delay that the visit's clock offset estimate still contains, an
 * estimated fraction of a second on a working connection. An order stamped
 * within 2 s before the exposure may therefore have been placed after it.
 */
export const EXPOSURE_CLOCK_TOLERANCE_MS = 2000;

export interface ExperimentRows {
  rows: ArmDayRow[];
  /** Visits that reported more than one variant, counted in their first. */
  mixedSessions: number;
  /** Exposed visits whose variant is not one of the experiment's arms. */
  unknownVariantSessions: number;
}

/**
 * Sums per arm and shop-local day of exposure, for every human visit
 * exposed to the experiment. A visit's net revenue is that of its counted
 * orders (refunds subtracted, joined through OrderNet) placed at or after
 * its first exposure, less EXPOSURE_CLOCK_TOLERANCE_MS. An earlier order
 * cannot be an effect of the variant. Conversion and order counts follow
 * the same rule. Squares are summed so the statistics can compute
 * variances without raw rows.
 */
export async function experimentRows(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; experimentKey: string },
  arms: string[],
): Promise<ExperimentRows> {
  const result = await pool.query<{
    variant: string;
    day: string;
    sessions: string;
    converting: string;
    orders: string;
    revenue: string;
    revenue_squares: string;
    order_squares: string;
    mixed: string;
  }>(
    `WITH exposed AS (
       SELECT e.variant, e."sessionId", e.mixed, e."exposedAt",
              ((e."exposedAt" AT TIME ZONE 'UTC') AT TIME ZONE $3)::date AS day
       FROM "ExperimentExposure" e
       JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
       WHERE e."shopId" = $1 AND e."experimentKey" = $2 AND NOT s."isBot"
     ),
     per_session AS (
       SELECT x.variant, x.day, x.mixed,
              COALESCE(sum(n.net), 0) AS revenue,
              count(n."orderId") AS orders,
              COALESCE(sum(n.net * n.net), 0) AS order_squares
       FROM exposed x
       LEFT JOIN "OrderNet" n
         ON n."shopId" = $1 AND n."sessionId" = x."sessionId" AND n.counted
         AND n."processedAt" >= x."exposedAt" - $4 * interval '1 millisecond'
       GROUP BY x.variant, x.day, x.mixed, x."sessionId"
     )
     SELECT variant, day::text AS day, count(*) AS sessions,
            count(*) FILTER (WHERE orders > 0) AS converting,
            sum(orders) AS orders, sum(revenue)::text AS revenue,
            sum(revenue * revenue)::text AS revenue_squares,
            sum(order_squares)::text AS order_squares,
            count(*) FILTER (WHERE mixed) AS mixed
     FROM per_session
     GROUP BY variant, day
     ORDER BY day, variant`,
    [
      filter.shopId,
      filter.experimentKey,
      filter.timezone,
      EXPOSURE_CLOCK_TOLERANCE_MS,
    ],
  );

  const known = new Set(arms);
  let mixedSessions = 0;
  let unknownVariantSessions = 0;
  const rows: ArmDayRow[] = [];
  for (const row of result.rows) {
    mixedSessions += Number(row.mixed);
    if (!known.has(row.variant)) {
      unknownVariantSessions += Number(row.sessions);
      continue;
    }
    rows.push({
      variant: row.variant,
      day: row.day,
      sessions: Number(row.sessions),
      convertingSessions: Number(row.converting),
      orders: Number(row.orders),
      revenue: Number(row.revenue),
      revenueSquares: Number(row.revenue_squares),
      orderValueSquares: Number(row.order_squares),
    });
  }
  return { rows, mixedSessions, unknownVariantSessions };
}
