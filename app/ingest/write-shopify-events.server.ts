import type pg from "pg";
import type { ValidBatch, ValidEvent } from "./batch-schema.server";
import type { IngestShop } from "./write-batch.server";

type ShopifyEvent = Extract<ValidEvent, { type: "shopify" }>;

/**
 * Stores the web pixel's events, once per Shopify event id, and links the
 * orders of checkout_completed events to this visit. Returns how many
 * events were new.
 */
export async function insertShopifyEvents(
  client: pg.PoolClient,
  shop: IngestShop,
  batch: ValidBatch,
  corrected: (at: number) => Date,
  receivedAt: Date,
): Promise<number> {
  const events = batch.events.filter(
    (event): event is ShopifyEvent => event.type === "shopify",
  );
  if (events.length === 0) return 0;
  // One row per Shopify event id even inside a batch: ON CONFLICT may touch
  // a row only once per statement.
  const unique = [...new Map(events.map((e) => [e.id, e] as const)).values()];
  const inserted = await client.query(
    `INSERT INTO "StorefrontEvent"
       ("shopId", "sessionId", "clientId", name, "shopifyEventId",
        "occurredAt", path, "productId", "variantId", quantity, amount,
        currency, "checkoutToken", "orderId", "batchId", "receivedAt")
     SELECT $1, $2, $3, e.name, e.id, e.at, e.path, e.product, e.variant,
            e.quantity, e.amount, e.currency, e.token, e.order_id, $4, $5
     FROM unnest($6::text[], $7::text[], $8::timestamptz[], $9::text[],
                 $10::text[], $11::text[], $12::int[], $13::numeric[],
                 $14::text[], $15::text[], $16::text[])
       AS e(name, id, at, path, product, variant, quantity, amount, currency,
            token, order_id)
     ON CONFLICT ("shopId", "shopifyEventId") DO NOTHING`,
    [
      shop.id,
      batch.sessionId,
      batch.clientId ?? null,
      batch.batchId,
      receivedAt,
      unique.map((e) => e.name),
      unique.map((e) => e.id),
      unique.map((e) => corrected(e.at)),
      unique.map((e) => e.path),
      unique.map((e) => e.productId ?? null),
      unique.map((e) => e.variantId ?? null),
      unique.map((e) => e.quantity ?? null),
      unique.map((e) => (e.amount === undefined ? null : String(e.amount))),
      unique.map((e) => e.currency ?? null),
      unique.map((e) => e.checkoutToken ?? null),
      unique.map((e) => e.orderId ?? null),
    ],
  );

  const completed = unique.filter(
    (e) => e.name === "checkout_completed" && e.orderId,
  );
  if (completed.length > 0) {
    // The cart attribute is the stronger link; the pixel only fills in
    // orders that arrived without one. Pixel events carry no signature, so
    // an order with a checkout token is claimed only by an event with the
    // same token.
    await client.query(
      `UPDATE "Order" o SET "sessionId" = $2
       FROM unnest($3::text[], $4::text[]) AS c(order_id, token)
       WHERE o."shopId" = $1 AND o.id = c.order_id AND o."sessionId" IS NULL
         AND (o."checkoutToken" IS NULL OR o."checkoutToken" = c.token)`,
      [
        shop.id,
        batch.sessionId,
        completed.map((e) => e.orderId!),
        completed.map((e) => e.checkoutToken ?? null),
      ],
    );
  }
  return inserted.rowCount ?? 0;
}
