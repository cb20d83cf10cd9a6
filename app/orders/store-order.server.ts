import type pg from "pg";
import { withTransaction } from "~/transaction.server";
import { pool } from "~/db.server";
import { toDecimalString } from "./money";
import type { OrderInput, RefundInput } from "./order-input";

// The single write path for orders and refunds, used by the webhooks and the
// backfill alike. Every statement is an upsert keyed by Shopify's ids, so
// replaying any input leaves the rows as they were.
//
// Dates are sent as `timestamptz` because pg formats a Date in the process
// time zone. PostgreSQL converts them into Prisma's UTC `timestamp` columns
// through the session time zone, which db.server.ts pins to UTC.

export type RefundConflict = "replace" | "keep";

/** Runs `work` in one transaction on the app's pool. */
export function inTransaction<T>(
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withTransaction(pool, work);
}

export interface StoredOrder {
  /** False when a delivery with a newer `updated_at` was stored before. */
  applied: boolean;
  refunds: number;
}

/**
 * Inserts or updates an order and its refunds. An order whose `updatedAt`
 * is older than the stored one changes nothing, but refunds new to the
 * database are still added, since refunds are never taken back.
 */
export async function storeOrder(
  client: pg.PoolClient,
  shopId: string,
  order: OrderInput,
): Promise<StoredOrder> {
  // Fields that one source lacks (the Admin API gives no checkout token)
  // keep what another source stored. Without the cart attribute, the visit
  // comes from the web pixel's checkout_completed event when that arrived
  // first and, when the order has a checkout token, carries the same one
  // (pixel events are unsigned). The event fires on the thank-you page, so
  // a day either side of processing bounds the index scan.
  const result = await client.query(
    `INSERT INTO "Order" AS o ("shopId", id, name, "processedAt", currency,
       "totalPrice", "cancelledAt", test, "financialStatus", "sessionId",
       "checkoutToken", "customerId", "shopifyUpdatedAt", "updatedAt")
     VALUES ($1, $2, $3, $4::timestamptz, $5, $6::numeric, $7::timestamptz,
       $8, $9,
       COALESCE($10::uuid, (
         SELECT e."sessionId" FROM "StorefrontEvent" e
         WHERE e."shopId" = $1 AND e.name = 'checkout_completed'
           AND e."occurredAt" BETWEEN $4::timestamptz - interval '1 day'
                                  AND $4::timestamptz + interval '1 day'
           AND e."orderId" = $2
           AND ($11::text IS NULL OR e."checkoutToken" = $11::text)
         ORDER BY e."occurredAt"
         LIMIT 1)),
       $11, $12, $13::timestamptz, now())
     ON CONFLICT ("shopId", id) DO UPDATE SET
       name = COALESCE(EXCLUDED.name, o.name),
       "processedAt" = EXCLUDED."processedAt",
       currency = EXCLUDED.currency,
       "totalPrice" = EXCLUDED."totalPrice",
       "cancelledAt" = EXCLUDED."cancelledAt",
       test = EXCLUDED.test,
       "financialStatus" = EXCLUDED."financialStatus",
       "sessionId" = COALESCE(EXCLUDED."sessionId", o."sessionId"),
       "checkoutToken" = COALESCE(EXCLUDED."checkoutToken", o."checkoutToken"),
       "customerId" = COALESCE(EXCLUDED."customerId", o."customerId"),
       "shopifyUpdatedAt" = EXCLUDED."shopifyUpdatedAt",
       "updatedAt" = now()
     WHERE o."shopifyUpdatedAt" IS NULL
        OR o."shopifyUpdatedAt" <= EXCLUDED."shopifyUpdatedAt"
     RETURNING o.id`,
    [
      shopId,
      order.id,
      order.name,
      order.processedAt,
      order.totalPrice.currency,
      toDecimalString(order.totalPrice),
      order.cancelledAt,
      order.test,
      order.financialStatus,
      order.sessionId,
      order.checkoutToken,
      order.customerId,
      order.updatedAt,
    ],
  );
  const applied = (result.rowCount ?? 0) > 0;

  if (applied) {
    // A refund stored by refunds/create before its order arrived guessed
    // its test flag from its transactions; the order's flag decides.
    await client.query(
      `UPDATE "OrderRefund" SET test = $3
       WHERE "shopId" = $1 AND "orderId" = $2 AND test IS DISTINCT FROM $3`,
      [shopId, order.id, order.test],
    );
  }
  const conflict: RefundConflict = applied ? "replace" : "keep";
  for (const refund of order.refunds) {
    await storeRefund(client, shopId, refund, order.test, conflict);
  }
  return { applied, refunds: order.refunds.length };
}

/**
 * Inserts a refund keyed by its id, so one refund reported by several
 * webhooks and the backfill is stored once. With `replace`, an existing row
 * takes the new amount, which matters when a pending refund transaction has
 * since succeeded. With `keep`, an existing row stays as it is.
 */
export async function storeRefund(
  client: pg.PoolClient,
  shopId: string,
  refund: RefundInput,
  test: boolean,
  conflict: RefundConflict,
): Promise<void> {
  const onConflict =
    conflict === "replace"
      ? `DO UPDATE SET amount = EXCLUDED.amount, test = EXCLUDED.test,
           "createdAt" = EXCLUDED."createdAt"`
      : "DO NOTHING";
  await client.query(
    `INSERT INTO "OrderRefund" ("shopId", id, "orderId", amount, test,
       "createdAt")
     VALUES ($1, $2, $3, $4::numeric, $5, $6::timestamptz)
     ON CONFLICT ("shopId", id) ${onConflict}`,
    [
      shopId,
      refund.id,
      refund.orderId,
      toDecimalString(refund.amount),
      test,
      refund.createdAt,
    ],
  );
}

export interface ShopForOrders {
  id: string;
  currency: string;
}

export async function findShopForOrders(
  domain: string,
): Promise<ShopForOrders | null> {
  const result = await pool.query<ShopForOrders>(
    `SELECT id, currency FROM "Shop" WHERE domain = $1`,
    [domain],
  );
  return result.rows[0] ?? null;
}

/** Currency and test flag of a stored order, or null when not stored. */
export async function findOrderFacts(
  client: pg.PoolClient,
  shopId: string,
  orderId: string,
): Promise<{ currency: string; test: boolean } | null> {
  const result = await client.query<{ currency: string; test: boolean }>(
    `SELECT currency, test FROM "Order" WHERE "shopId" = $1 AND id = $2`,
    [shopId, orderId],
  );
  return result.rows[0] ?? null;
}

/**
 * Records a webhook delivery by its X-Shopify-Webhook-Id in the caller's
 * transaction. Returns false when it was recorded before. Because the
 * record rolls back with a failed write, Shopify's retry of that delivery
 * is processed rather than skipped.
 */
export async function claimWebhookDelivery(
  client: pg.PoolClient,
  delivery: { webhookId: string | null; shop: string; topic: string },
): Promise<boolean> {
  if (!delivery.webhookId) return true;
  const result = await client.query(
    `INSERT INTO "WebhookDelivery" (id, "shopDomain", topic)
     VALUES ($1, $2, $3)
     ON CONFLICT (id) DO NOTHING`,
    [delivery.webhookId, delivery.shop, delivery.topic],
  );
  return (result.rowCount ?? 0) > 0;
}
