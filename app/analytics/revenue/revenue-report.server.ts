import type pg from "pg";
import type { DateRange } from "../date-range.server";
import { revenueByDay } from "./revenue-by-day.server";
import { revenueByDimension } from "./revenue-by-dimension.server";
import { revenueByPage } from "./revenue-by-page.server";
import { revenueByStage } from "./revenue-by-stage.server";
import { refreshRevenueRollup } from "./revenue-rollup.server";
import { revenueSummary } from "./revenue-summary.server";

/**
 * Everything the revenue page shows. Days marked out of date are rebuilt
 * first, so the page is never staler than its last request; the other
 * queries then run in parallel.
 */
export async function revenueReport(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
) {
  await refreshRevenueRollup(pool, {
    id: filter.shopId,
    timezone: filter.timezone,
  });
  const [summary, days, devices, channels, landingPages, pages, stages] =
    await Promise.all([
      revenueSummary(pool, filter),
      revenueByDay(pool, filter),
      revenueByDimension(pool, "device", filter),
      revenueByDimension(pool, "channel", filter),
      revenueByDimension(pool, "landingPage", filter),
      revenueByPage(pool, filter),
      revenueByStage(pool, filter),
    ]);
  return { summary, days, devices, channels, landingPages, pages, stages };
}
