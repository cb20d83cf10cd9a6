import type pg from "pg";
import type { DateRange } from "~/analytics/date-range.server";
import { RANGE_BOUNDS_SQL } from "~/analytics/date-range.server";
import { estimateImpact, type SignalImpact } from "./impact";

export interface FrictionReport {
  impacts: SignalImpact[];
}

/**
 * Friction of a date range: per kind, the sessions affected and their RPS
 * and conversion against sessions without it, with the revenue-at-stake
 * estimate.
 */
export async function frictionReport(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<FrictionReport> {
  const params = [
    filter.shopId,
    filter.range.from,
    filter.range.to,
    filter.timezone,
  ];
  const sessions = await pool.query<{
    id: string;
    net: string;
    orders: string;
    kinds: string[];
  }>(
    `SELECT s.id, COALESCE(r.net, 0)::text AS net,
            COALESCE(r.orders, 0) AS orders,
            COALESCE(f.kinds, '{}') AS kinds
     FROM "VisitorSession" s
     LEFT JOIN (
       SELECT "sessionId", sum(net) AS net,
              count(*) FILTER (WHERE counted) AS orders
       FROM "OrderNet" WHERE "shopId" = $1 GROUP BY "sessionId"
     ) r ON r."sessionId" = s.id
     LEFT JOIN (
       SELECT "sessionId", array_agg(DISTINCT kind) AS kinds
       FROM "FrictionSignal" WHERE "shopId" = $1 GROUP BY "sessionId"
     ) f ON f."sessionId" = s.id
     WHERE s."shopId" = $1 AND NOT s."isBot"
       AND s."startedAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
       AND s."startedAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}`,
    params,
  );
  const impacts = estimateImpact(
    sessions.rows.map((row) => ({
      sessionId: row.id,
      revenue: Number(row.net),
      converted: Number(row.orders) > 0,
      signals: new Set(row.kinds),
    })),
  );

  return { impacts };
}
