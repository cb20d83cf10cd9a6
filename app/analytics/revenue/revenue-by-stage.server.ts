import type pg from "pg";
import type { DateRange } from "../date-range.server";
import { FUNNEL_STAGES, type FunnelStage } from "./funnel-stages";
import type { RevenueCounts } from "./metrics";
import { revenueByDimension } from "./revenue-by-dimension.server";

export interface StageRevenueRow extends RevenueCounts {
  stage: FunnelStage;
}

/**
 * RPS by funnel stage: sessions that reached each stage and their revenue.
 * Checkout is reached by a checkout page view or a checkout_started event.
 * Every stage is listed, with zeros where no session reached it.
 */
export async function revenueByStage(
  pool: pg.Pool,
  filter: { shopId: string; range: DateRange },
): Promise<StageRevenueRow[]> {
  const rows = await revenueByDimension(pool, "stage", filter);
  const byStage = new Map(rows.map((row) => [row.key, row]));
  return FUNNEL_STAGES.map((stage) => {
    const row = byStage.get(stage);
    return {
      stage,
      sessions: row?.sessions ?? 0,
      convertingSessions: row?.convertingSessions ?? 0,
      orders: row?.orders ?? 0,
      netRevenue: row?.netRevenue ?? "0.00",
    };
  });
}
