import type pg from "pg";
import type { DateRange } from "../date-range.server";
import { RANGE_BOUNDS_SQL } from "../date-range.server";
import { money, type RevenueCounts } from "./metrics";

export interface RevenueSummary extends RevenueCounts {
  grossRevenue: string;
  refunds: string;
  /**
   * Counted orders processed in the range that no human session claims:
   * orders without a visit, and orders of visits flagged as bots.
   */
  unattributedOrders: number;
  unattributedRevenue: string;
}

/**
 * Totals for a date range: sessions by start day (from the rollup), orders
 * by processing day, both in the shop's time zone. Revenue counts every
 * order, attributed or not; conversion counts sessions with an attributed
 * order.
 */
export async function revenueSummary(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<RevenueSummary> {
  const result = await pool.query<{
    sessions: string | null;
    converting: string | null;
    orders: string;
    gross: string;
    refunds: string;
    net: string;
    unattributed_orders: string;
    unattributed_net: string;
  }>(
    `WITH orders AS (
       SELECT n.*, (v.id IS NULL OR v."isBot") AS unattributed
       FROM "OrderNet" n
       LEFT JOIN "VisitorSession" v
         ON v."shopId" = n."shopId" AND v.id = n."sessionId"
       WHERE n."shopId" = $1 AND n.counted
         AND n."processedAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
         AND n."processedAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}
     )
     SELECT
       (SELECT sum(sessions) FROM "DailyRevenueStat"
         WHERE "shopId" = $1 AND dimension = 'device'
           AND day >= $2::date AND day <= $3::date) AS sessions,
       (SELECT sum("convertingSessions") FROM "DailyRevenueStat"
         WHERE "shopId" = $1 AND dimension = 'device'
           AND day >= $2::date AND day <= $3::date) AS converting,
       count(*) AS orders,
       COALESCE(sum(gross), 0)::text AS gross,
       COALESCE(sum(refunds), 0)::text AS refunds,
       COALESCE(sum(net), 0)::text AS net,
       count(*) FILTER (WHERE unattributed) AS unattributed_orders,
       COALESCE(sum(net) FILTER (WHERE unattributed), 0)::text
         AS unattributed_net
     FROM orders`,
    [filter.shopId, filter.range.from, filter.range.to, filter.timezone],
  );
  const row = result.rows[0];
  return {
    sessions: Number(row.sessions ?? 0),
    convertingSessions: Number(row.converting ?? 0),
    orders: Number(row.orders),
    netRevenue: money(row.net),
    grossRevenue: money(row.gross),
    refunds: money(row.refunds),
    unattributedOrders: Number(row.unattributed_orders),
    unattributedRevenue: money(row.unattributed_net),
  };
}
