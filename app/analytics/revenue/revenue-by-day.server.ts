import type pg from "pg";
import type { DateRange } from "../date-range.server";
import { RANGE_BOUNDS_SQL } from "../date-range.server";
import { money } from "./metrics";

export interface DayRevenueRow {
  /** YYYY-MM-DD in the shop's time zone. */
  day: string;
  sessions: number;
  orders: number;
  netRevenue: string;
}

/**
 * One row per calendar day of the range in the shop's time zone, days
 * without traffic included. Sessions come from the daily rollup. Days come from local midnights, so a day with a
 * daylight-saving change has 23 or 25 hours, as on the shop's clock.
 */
export async function revenueByDay(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<DayRevenueRow[]> {
  const result = await pool.query<{
    day: string;
    sessions: string;
    orders: string;
    net: string;
  }>(
    `WITH days AS (
       SELECT generate_series($2::date, $3::date, interval '1 day')::date AS day
     ),
     sessions AS (
       SELECT day, sum(sessions) AS n
       FROM "DailyRevenueStat"
       WHERE "shopId" = $1 AND dimension = 'device'
         AND day >= $2::date AND day <= $3::date
       GROUP BY day
     ),
     orders AS (
       SELECT ("processedAt" AT TIME ZONE 'UTC' AT TIME ZONE $4)::date AS day,
              count(*) AS n, sum(net) AS net
       FROM "OrderNet"
       WHERE "shopId" = $1 AND counted
         AND "processedAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
         AND "processedAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}
       GROUP BY 1
     )
     SELECT to_char(days.day, 'YYYY-MM-DD') AS day,
            COALESCE(sessions.n, 0) AS sessions,
            COALESCE(orders.n, 0) AS orders,
            COALESCE(orders.net, 0)::text AS net
     FROM days
     LEFT JOIN sessions ON sessions.day = days.day
     LEFT JOIN orders ON orders.day = days.day
     ORDER BY days.day`,
    [filter.shopId, filter.range.from, filter.range.to, filter.timezone],
  );
  return result.rows.map((row) => ({
    day: row.day,
    sessions: Number(row.sessions),
    orders: Number(row.orders),
    netRevenue: money(row.net),
  }));
}
