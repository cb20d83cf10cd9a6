import type pg from "pg";
import type { DateRange } from "../date-range.server";
import { money, type RevenueCounts } from "./metrics";

/** Dimensions kept in the daily rollup. */
export type Dimension = "device" | "channel" | "landingPage" | "page" | "stage";

export interface DimensionRow extends RevenueCounts {
  key: string;
}

const MAX_ROWS = 100;

/**
 * Sessions, conversions, orders and net revenue per key of a dimension,
 * summed from the daily rollup. A session belongs to the day it started,
 * so summing days never counts a session twice. Call
 * `refreshRevenueRollup` first so out-of-date days are rebuilt.
 */
export async function revenueByDimension(
  pool: pg.Pool,
  dimension: Dimension,
  filter: { shopId: string; range: DateRange },
): Promise<DimensionRow[]> {
  const result = await pool.query<{
    key: string;
    sessions: string;
    converting: string;
    orders: string;
    net: string;
  }>(
    `SELECT key, sum(sessions) AS sessions,
            sum("convertingSessions") AS converting, sum(orders) AS orders,
            sum("netRevenue")::text AS net
     FROM "DailyRevenueStat"
     WHERE "shopId" = $1 AND dimension = $2
       AND day >= $3::date AND day <= $4::date
     GROUP BY key
     ORDER BY sum(sessions) DESC, key
     LIMIT ${MAX_ROWS}`,
    [filter.shopId, dimension, filter.range.from, filter.range.to],
  );
  return result.rows.map((row) => ({
    key: row.key,
    sessions: Number(row.sessions),
    convertingSessions: Number(row.converting),
    orders: Number(row.orders),
    netRevenue: money(row.net),
  }));
}
