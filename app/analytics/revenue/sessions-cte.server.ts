import { RANGE_BOUNDS_SQL } from "../date-range.server";
import { money } from "./metrics";

/**
 * SQL for the two common table expressions every revenue report starts
 * with: `s`, the shop's human sessions that started in the range, and
 * `rev`, the net revenue and counted orders attributed to each of them.
 * Parameters: $1 shop id, $2 first day, $3 last day, $4 time zone.
 */
export const SESSIONS_WITH_REVENUE = `
  s AS (
    SELECT id, device, channel, "landingPath", "startedAt"
    FROM "VisitorSession"
    WHERE "shopId" = $1 AND NOT "isBot"
      AND "startedAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
      AND "startedAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}
  ),
  rev AS (
    SELECT n."sessionId" AS id, sum(n.net) AS net,
           count(*) FILTER (WHERE n.counted) AS orders
    FROM "OrderNet" n
    JOIN s ON s.id = n."sessionId"
    WHERE n."shopId" = $1
    GROUP BY n."sessionId"
  )`;

export interface RevenueRow {
  sessions: string;
  converting: string;
  orders: string;
  net: string;
}

/** Aggregates over `s` left-joined with `rev`, for a SELECT list. */
export const REVENUE_AGGREGATES = `
  count(*) AS sessions,
  count(*) FILTER (WHERE rev.orders > 0) AS converting,
  COALESCE(sum(rev.orders), 0) AS orders,
  COALESCE(sum(rev.net), 0)::text AS net`;

export function toCounts(row: RevenueRow) {
  return {
    sessions: Number(row.sessions),
    convertingSessions: Number(row.converting),
    orders: Number(row.orders),
    netRevenue: money(row.net),
  };
}
