import type pg from "pg";
import type { DateRange } from "../date-range.server";
import type { RevenueCounts } from "./metrics";
import { revenueByDimension } from "./revenue-by-dimension.server";

export interface PageRevenueRow extends RevenueCounts {
  path: string;
}

/**
 * RPS by page: for each path, the sessions that viewed it (seen by the
 * storefront script or the web pixel) and the revenue of those sessions.
 * A session counts once per path however often it viewed it.
 */
export async function revenueByPage(
  pool: pg.Pool,
  filter: { shopId: string; range: DateRange },
): Promise<PageRevenueRow[]> {
  const rows = await revenueByDimension(pool, "page", filter);
  return rows.map(({ key, ...counts }) => ({ path: key, ...counts }));
}
