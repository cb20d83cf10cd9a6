import type pg from "pg";
import type { DateRange } from "../date-range.server";
import { RANGE_BOUNDS_SQL } from "../date-range.server";
import { money, type RevenueCounts } from "./metrics";
import { SESSIONS_WITH_REVENUE } from "./sessions-cte.server";

export interface RevenueSummary extends RevenueCounts {
  grossRevenue: string;
  refunds: string;
  /** Counted orders processed in the range that no session claims. */
  unattributedOrders: number;
  unattributedRevenue: string;
}

/**
 * Totals for a date range: sessions by start day, orders by processing day,
 * both in the shop's time zone. Revenue counts every order, attributed or
 * not; conversion counts sessions with an attributed order.
 */
export async function revenueSummary(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<RevenueSummary> {
  const result = await pool.query<{
    sessions: string;
    converting: string;
    orders: string;
    gross: string;
    refunds: string;
    net: string;
    unattributed_orders: string;
    unattributed_net: string;
  }>(
    `WITH ${SESSIONS_WITH_REVENUE},
     orders AS (
       SELECT n.* FROM "OrderNet" n
       WHERE n."shopId" = $1 AND n.counted
         AND n."processedAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
         AND n."processedAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}
     )
     SELECT
       (SELECT count(*) FROM s) AS sessions,
       (SELECT count(*) FROM rev WHERE orders > 0) AS converting,
       (SELECT count(*) FROM orders) AS orders,
       (SELECT COALESCE(sum(gross), 0)::text FROM orders) AS gross,
       (SELECT COALESCE(sum(refunds), 0)::text FROM orders) AS refunds,
       (SELECT COALESCE(sum(net), 0)::text FROM orders) AS net,
       (SELECT count(*) FROM orders o
         WHERE o."sessionId" IS NULL
            OR NOT EXISTS (SELECT 1 FROM "VisitorSession" v
                           WHERE v."shopId" = $1 AND v.id = o."sessionId"))
         AS unattributed_orders,
       (SELECT COALESCE(sum(net), 0)::text FROM orders o
         WHERE o."sessionId" IS NULL
            OR NOT EXISTS (SELECT 1 FROM "VisitorSession" v
                           WHERE v."shopId" = $1 AND v.id = o."sessionId"))
         AS unattributed_net`,
    [filter.shopId, filter.range.from, filter.range.to, filter.timezone],
  );
  const row = result.rows[0];
  return {
    sessions: Number(row.sessions),
    convertingSessions: Number(row.converting),
    orders: Number(row.orders),
    netRevenue: money(row.net),
    grossRevenue: money(row.gross),
    refunds: money(row.refunds),
    unattributedOrders: Number(row.unattributed_orders),
    unattributedRevenue: money(row.unattributed_net),
  };
}
