import type pg from "pg";
import type { ValidEvent } from "./batch-schema.server";
import type { QueryPart } from "./query-together.server";
import type { AcceptedBatch } from "./write-batch.server";

type ShopifyEvent = Extract<ValidEvent, { type: "shopify" }>;

function shopifyEventsOf(item: AcceptedBatch): ShopifyEvent[] {
  return item.batch.events.filter(
    (event): event is ShopifyEvent => event.type === "shopify",
  );
}

/**
 * Builds the insert of the web pixel's events, once per Shopify event id.
 * Of two copies of an event the first batch's is kept, as if the batches
 * ran one by one.
 */
export function shopifyEventsInsert(
  accepted: AcceptedBatch[],
): QueryPart<void> {
  // One row per Shopify event id: ON CONFLICT may touch a row only once
  // per statement.
  const unique = new Map<
    string,
    { item: AcceptedBatch; event: ShopifyEvent }
  >();
  for (const item of accepted) {
    for (const event of shopifyEventsOf(item)) {
      const key = `${item.shop.id} ${event.id}`;
      if (!unique.has(key)) unique.set(key, { item, event });
    }
  }
  const rows = [...unique.values()];
  const column = <T>(value: (row: (typeof rows)[number]) => T) =>
    rows.map(value);
  return {
    sql: `INSERT INTO "StorefrontEvent"
            ("shopId", "sessionId", "clientId", "batchId", "receivedAt", name,
             "shopifyEventId", "occurredAt", path, "productId", "variantId",
             quantity, amount, currency, "checkoutToken", "orderId")
          SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[],
                               $4::uuid[], $5::timestamptz[], $6::text[],
                               $7::text[], $8::timestamptz[], $9::text[],
                               $10::text[], $11::text[], $12::int[],
                               $13::numeric[], $14::text[], $15::text[],
                               $16::text[])
          ON CONFLICT ("shopId", "shopifyEventId") DO NOTHING`,
    params: [
      column((row) => row.item.shop.id),
      column((row) => row.item.batch.sessionId),
      column((row) => row.item.batch.clientId ?? null),
      column((row) => row.item.batch.batchId),
      column((row) => row.item.receivedAt),
      column((row) => row.event.name),
      column((row) => row.event.id),
      column((row) => row.item.corrected(row.event.at)),
      column((row) => row.event.path),
      column((row) => row.event.productId ?? null),
      column((row) => row.event.variantId ?? null),
      column((row) => row.event.quantity ?? null),
      column((row) =>
        row.event.amount === undefined ? null : String(row.event.amount),
      ),
      column((row) => row.event.currency ?? null),
      column((row) => row.event.checkoutToken ?? null),
      column((row) => row.event.orderId ?? null),
    ],
    empty: rows.length === 0,
  };
}

/** Links the orders of checkout_completed events to their visits. */
export async function linkCheckoutOrders(
  client: pg.PoolClient,
  accepted: AcceptedBatch[],
) {
  // Orders are few: one statement per batch that completed a checkout.
  for (const item of accepted) {
    const completed = [
      ...new Map(
        shopifyEventsOf(item).map((event) => [event.id, event] as const),
      ).values(),
    ].filter((event) => event.name === "checkout_completed" && event.orderId);
    if (completed.length === 0) continue;
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
        item.shop.id,
        item.batch.sessionId,
        completed.map((event) => event.orderId!),
        completed.map((event) => event.checkoutToken ?? null),
      ],
    );
  }
}
