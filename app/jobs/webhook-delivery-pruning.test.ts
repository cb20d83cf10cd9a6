import { randomUUID } from "node:crypto";
import { pool, prisma } from "~/db.server";
import { FIXTURE_ORDER_BASE, restOrder } from "~/orders/test-fixtures";
import { deliverOrderWebhook } from "../../test/support/webhook-delivery";
import { timestampText } from "./event-partitions.server";
import {
  PRUNE_CHUNK_ROWS,
  pruneWebhookDeliveries,
  WEBHOOK_DEDUP_DAYS,
} from "./event-retention.server";

// WebhookDelivery rows exist to skip Shopify's retries of a delivery
// already processed. Shopify retries a failed delivery 8 times over 4
// hours (its developer changelog, September 2024), so pruning after
// WEBHOOK_DEDUP_DAYS must never let a retry in that window through, while
// older rows go.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

async function insertDeliveries(domain: string, count: number, at: Date) {
  await pool.query(
    `INSERT INTO "WebhookDelivery" (id, "shopDomain", topic, "receivedAt")
     SELECT gen_random_uuid()::text, $1, 'orders/updated', $2::timestamp
     FROM generate_series(1, $3)`,
    [domain, timestampText(at), count],
  );
}

const deliveries = (domain: string) =>
  prisma.webhookDelivery.count({ where: { shopDomain: domain } });

describe("webhook delivery pruning", () => {
  it("deletes old rows of two shops in chunks and keeps recent ones", async () => {
    const now = new Date();
    const old = new Date(now.getTime() - (WEBHOOK_DEDUP_DAYS + 1) * DAY_MS);
    const recent = new Date(now.getTime() - (WEBHOOK_DEDUP_DAYS - 1) * DAY_MS);
    await insertDeliveries("prune-a.myshopify.com", PRUNE_CHUNK_ROWS + 7, old);
    await insertDeliveries("prune-b.myshopify.com", PRUNE_CHUNK_ROWS, old);
    await insertDeliveries("prune-a.myshopify.com", 4, recent);
    await insertDeliveries("prune-b.myshopify.com", 3, now);

    const query = vi.spyOn(pool, "query");
    try {
      expect(await pruneWebhookDeliveries(pool, now)).toBe(
        2 * PRUNE_CHUNK_ROWS + 7,
      );
      // Two full chunks, then one with the 7 left over.
      const deletes = query.mock.calls.filter(([sql]) =>
        String(sql).includes(`DELETE FROM "WebhookDelivery"`),
      );
      expect(deletes).toHaveLength(3);
    } finally {
      query.mockRestore();
    }

    expect(await deliveries("prune-a.myshopify.com")).toBe(4);
    expect(await deliveries("prune-b.myshopify.com")).toBe(3);
    expect(await pruneWebhookDeliveries(pool, now)).toBe(0);
  });

  it("still skips a retry after the last retry window", async () => {
    const domain = "prune-retry.myshopify.com";
    const shop = await prisma.shop.create({ data: { domain } });
    const other = await prisma.shop.create({
      data: { domain: "prune-other.myshopify.com" },
    });
    const webhookId = randomUUID();
    const otherId = randomUUID();
    expect(
      await deliverOrderWebhook(
        "orders/updated",
        domain,
        restOrder(1),
        webhookId,
      ),
    ).toBe(200);
    await deliverOrderWebhook(
      "orders/updated",
      "prune-other.myshopify.com",
      restOrder(1),
      otherId,
    );

    // The job runs an hour after Shopify's 4-hour retry window has closed.
    await pruneWebhookDeliveries(pool, new Date(Date.now() + 5 * HOUR_MS));
    // A retry carries the original delivery's id. This copy is altered so
    // that processing it again would show in the stored total.
    const retried = restOrder(1, {
      updated_at: "2026-11-03T00:00:00Z",
      total_price_set: {
        shop_money: { amount: "99.00", currency_code: "EUR" },
        presentment_money: { amount: "99.00", currency_code: "EUR" },
      },
    });
    expect(
      await deliverOrderWebhook("orders/updated", domain, retried, webhookId),
    ).toBe(200);

    const row = await prisma.order.findUniqueOrThrow({
      where: {
        shopId_id: { shopId: shop.id, id: String(FIXTURE_ORDER_BASE + 1) },
      },
    });
    expect(row.totalPrice.toFixed(2)).toBe("20.00");
    expect(await deliveries(domain)).toBe(1);
    expect(await deliveries("prune-other.myshopify.com")).toBe(1);
    expect(await prisma.order.count({ where: { shopId: other.id } })).toBe(1);
  });

  it("processes a delivery again once its row is pruned", async () => {
    const domain = "prune-expired.myshopify.com";
    const shop = await prisma.shop.create({ data: { domain } });
    const webhookId = randomUUID();
    await deliverOrderWebhook(
      "orders/updated",
      domain,
      restOrder(1),
      webhookId,
    );

    await pruneWebhookDeliveries(
      pool,
      new Date(Date.now() + (WEBHOOK_DEDUP_DAYS + 1) * DAY_MS),
    );
    expect(await deliveries(domain)).toBe(0);
    const later = restOrder(1, {
      updated_at: "2026-11-03T00:00:00Z",
      financial_status: "refunded",
    });
    await deliverOrderWebhook("orders/updated", domain, later, webhookId);

    const row = await prisma.order.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.financialStatus).toBe("refunded");
    expect(await deliveries(domain)).toBe(1);
  });
});
