import type pg from "pg";
import type { DateRange } from "../date-range.server";
import type { RevenueCounts } from "./metrics";
import {
  REVENUE_AGGREGATES,
  SESSIONS_WITH_REVENUE,
  type RevenueRow,
  toCounts,
} from "./sessions-cte.server";

export const FUNNEL_STAGES = [
  "home",
  "collection",
  "product",
  "cart",
  "checkout",
] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

export interface StageRevenueRow extends RevenueCounts {
  stage: FunnelStage;
}

// Shopify's storefront routes: /collections/<handle>, /products/<handle>
// (also nested under a collection), /cart, and checkouts under /checkouts.
const STAGE_OF_PATH = `CASE
  WHEN path = '/' THEN 'home'
  WHEN path ~ '^/collections/[^/]+/products/' THEN 'product'
  WHEN path ~ '^/collections(/|$)' THEN 'collection'
  WHEN path ~ '^/products/' THEN 'product'
  WHEN path ~ '^/cart(/|$)' THEN 'cart'
  WHEN path ~ '^/checkouts?(/|$)' THEN 'checkout'
END`;

/**
 * RPS by funnel stage: sessions that reached each stage and their revenue.
 * Checkout is reached by a checkout page view or a checkout_started event.
 */
export async function revenueByStage(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<StageRevenueRow[]> {
  const result = await pool.query<RevenueRow & { stage: FunnelStage }>(
    `WITH ${SESSIONS_WITH_REVENUE},
     paths AS (
       SELECT pv."sessionId" AS id, pv.path
       FROM "PageView" pv JOIN s ON s.id = pv."sessionId"
       WHERE pv."shopId" = $1
       UNION
       SELECT e."sessionId", e.path
       FROM "StorefrontEvent" e JOIN s ON s.id = e."sessionId"
       WHERE e."shopId" = $1 AND e.name = 'page_viewed' AND e.path IS NOT NULL
     ),
     reached AS (
       SELECT DISTINCT id, ${STAGE_OF_PATH} AS stage FROM paths
       UNION
       SELECT DISTINCT e."sessionId", 'checkout'
       FROM "StorefrontEvent" e JOIN s ON s.id = e."sessionId"
       WHERE e."shopId" = $1
         AND e.name IN ('checkout_started', 'checkout_completed')
     )
     SELECT reached.stage, ${REVENUE_AGGREGATES}
     FROM reached LEFT JOIN rev ON rev.id = reached.id
     WHERE reached.stage IS NOT NULL
     GROUP BY reached.stage`,
    [filter.shopId, filter.range.from, filter.range.to, filter.timezone],
  );
  const byStage = new Map(result.rows.map((row) => [row.stage, row]));
  return FUNNEL_STAGES.map((stage) => {
    const row = byStage.get(stage);
    return row
      ? { stage, ...toCounts(row) }
      : {
          stage,
          sessions: 0,
          convertingSessions: 0,
          orders: 0,
          netRevenue: "0.00",
        };
  });
}
