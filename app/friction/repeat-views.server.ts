import type pg from "pg";
import type { DateRange } from "~/analytics/date-range.server";
import { RANGE_BOUNDS_SQL } from "~/analytics/date-range.server";
import { detectRepeatViews } from "./repeat-views";

// Products that visitors kept coming back to without buying, from the web
// pixel's product_viewed events.

export interface RepeatViewedProduct {
  productId: string;
  /** Visitors who viewed the product on three or more days in a week. */
  visitors: number;
  views: number;
}

const MAX_PRODUCTS = 10;
/** Views read per range; a visitor-level signal needs no more. */
const MAX_VIEWS = 200_000;

export async function repeatViewedProducts(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<RepeatViewedProduct[]> {
  const params = [
    filter.shopId,
    filter.range.from,
    filter.range.to,
    filter.timezone,
  ];
  const views = await pool.query<{
    visitorId: string;
    productId: string;
    at: Date;
  }>(
    `SELECT s."visitorId", e."productId", e."occurredAt" AS at
     FROM "StorefrontEvent" e
     JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
     WHERE e."shopId" = $1 AND e.name = 'product_viewed'
       AND e."productId" IS NOT NULL AND NOT s."isBot"
       AND e."occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
       AND e."occurredAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}
     ORDER BY e."occurredAt" DESC
     LIMIT ${MAX_VIEWS}`,
    params,
  );
  if (views.rows.length === 0) return [];
  // NOTE: orders carry no line items here, so a product counts as bought
  // by a visitor who added it to the cart in a visit that placed an order.
  const purchases = await pool.query<{ visitorId: string; productId: string }>(
    `SELECT DISTINCT s."visitorId", e."productId"
     FROM "StorefrontEvent" e
     JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
     WHERE e."shopId" = $1 AND e.name = 'product_added_to_cart'
       AND e."productId" IS NOT NULL
       AND s."visitorId" = ANY($2::uuid[])
       AND EXISTS (SELECT 1 FROM "OrderNet" o
                   WHERE o."shopId" = $1 AND o."sessionId" = s.id AND o.counted)`,
    [filter.shopId, [...new Set(views.rows.map((row) => row.visitorId))]],
  );
  const signals = detectRepeatViews(
    views.rows.map((row) => ({
      visitorId: row.visitorId,
      productId: row.productId,
      at: row.at.getTime(),
    })),
    purchases.rows,
    filter.timezone,
  );
  const byProduct = new Map<string, RepeatViewedProduct>();
  for (const signal of signals) {
    const product = byProduct.get(signal.productId) ?? {
      productId: signal.productId,
      visitors: 0,
      views: 0,
    };
    product.visitors += 1;
    product.views += signal.views;
    byProduct.set(signal.productId, product);
  }
  return [...byProduct.values()]
    .sort((a, b) => b.visitors - a.visitors || b.views - a.views)
    .slice(0, MAX_PRODUCTS);
}
