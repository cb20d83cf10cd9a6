import type pg from "pg";
import type { DateRange } from "../date-range.server";
import type { RevenueCounts } from "./metrics";
import {
  REVENUE_AGGREGATES,
  SESSIONS_WITH_REVENUE,
  type RevenueRow,
  toCounts,
} from "./sessions-cte.server";

/** Session columns a report can group by. */
const DIMENSIONS = {
  device: "s.device",
  channel: `COALESCE(s.channel, 'unknown')`,
  landingPage: `COALESCE(s."landingPath", 'unknown')`,
} as const;

export type Dimension = keyof typeof DIMENSIONS;

export interface DimensionRow extends RevenueCounts {
  key: string;
}

const MAX_ROWS = 100;

/** Sessions, conversions, orders and net revenue per value of a dimension. */
export async function revenueByDimension(
  pool: pg.Pool,
  dimension: Dimension,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<DimensionRow[]> {
  const key = DIMENSIONS[dimension];
  const result = await pool.query<RevenueRow & { key: string }>(
    `WITH ${SESSIONS_WITH_REVENUE}
     SELECT ${key} AS key, ${REVENUE_AGGREGATES}
     FROM s LEFT JOIN rev ON rev.id = s.id
     GROUP BY 1
     ORDER BY sessions DESC, key
     LIMIT ${MAX_ROWS}`,
    [filter.shopId, filter.range.from, filter.range.to, filter.timezone],
  );
  return result.rows.map((row) => ({ key: row.key, ...toCounts(row) }));
}
