import type pg from "pg";
import {
  RANGE_BOUNDS_SQL,
  type DateRange,
} from "~/analytics/date-range.server";
import { summaryFromSums, type SampleSummary } from "./summary";

/** Per-session outcomes of the visits that saw some pages, for planning. */
export interface PageTraffic {
  days: number;
  sessions: number;
  dailySessions: number;
  convertingSessions: number;
  /** Net revenue per session: mean and variance over the visits. */
  revenuePerSession: SampleSummary;
}

/**
 * Human visits of the range that viewed at least one of `pages` (all
 * visits when `pages` is empty), with the mean and variance of their net
 * revenue. Revenue per session is mostly zeros, so its variance must come
 * from these visits, not from a conversion-rate formula.
 */
export async function pageTraffic(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
  pages: string[],
): Promise<PageTraffic> {
  const result = await pool.query<{
    sessions: string;
    converting: string;
    revenue: string;
    revenue_squares: string;
  }>(
    `WITH visits AS (
       SELECT s.id
       FROM "VisitorSession" s
       WHERE s."shopId" = $1 AND NOT s."isBot"
         AND s."startedAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
         AND s."startedAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}
         AND (cardinality($5::text[]) = 0 OR EXISTS (
           SELECT 1 FROM "PageView" p
           WHERE p."shopId" = $1 AND p."sessionId" = s.id
             AND p.path = ANY($5::text[])))
     ),
     per_session AS (
       SELECT v.id, COALESCE(sum(n.net), 0) AS revenue,
              count(n."orderId") AS orders
       FROM visits v
       LEFT JOIN "OrderNet" n
         ON n."shopId" = $1 AND n."sessionId" = v.id AND n.counted
       GROUP BY v.id
     )
     SELECT count(*) AS sessions,
            count(*) FILTER (WHERE orders > 0) AS converting,
            COALESCE(sum(revenue), 0)::text AS revenue,
            COALESCE(sum(revenue * revenue), 0)::text AS revenue_squares
     FROM per_session`,
    [filter.shopId, filter.range.from, filter.range.to, filter.timezone, pages],
  );
  const row = result.rows[0];
  const sessions = Number(row.sessions);
  const days = daysIn(filter.range);
  return {
    days,
    sessions,
    dailySessions: sessions / days,
    convertingSessions: Number(row.converting),
    revenuePerSession: summaryFromSums(
      sessions,
      Number(row.revenue),
      Number(row.revenue_squares),
    ),
  };
}

function daysIn(range: DateRange): number {
  const from = Date.parse(`${range.from}T00:00:00Z`);
  const to = Date.parse(`${range.to}T00:00:00Z`);
  return Math.max(1, Math.round((to - from) / 86_400_000) + 1);
}
