import pino from "pino";
import { pool, prisma } from "~/db.server";
import { revenueByDimension } from "~/analytics/revenue/revenue-by-dimension.server";
import { refreshRevenueRollup } from "~/analytics/revenue/revenue-rollup.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { netRevenueTotals } from "~/orders/net-revenue.server";
import { restOrder, restRefund } from "~/orders/test-fixtures";
import { makeBatch, postJson, T0 } from "../../test/support/batches";
import { deliverOrderWebhook } from "../../test/support/webhook-delivery";

// Which financial statuses count as revenue, and when an order whose
// status changes starts or stops counting, through the signed webhooks.

const WHOLE_RANGE = {
  from: new Date("2026-01-01T00:00:00Z"),
  to: new Date("2027-01-01T00:00:00Z"),
};
const DAY = { from: "2026-11-20", to: "2026-11-20" };

const STATUSES = [
  ["pending", false],
  ["authorized", true],
  ["partially_paid", true],
  ["paid", true],
  ["partially_refunded", true],
  ["refunded", true],
  ["voided", false],
  ["expired", false],
] as const;

async function createShop(domain: string) {
  return prisma.shop.create({ data: { domain, currency: "EUR" } });
}

/** Builds a restOrder with `status`, updated `minute` minutes later. */
function orderWith(number: number, status: string, minute = 0) {
  return restOrder(number, {
    financial_status: status,
    updated_at: new Date(
      Date.parse("2026-11-02T09:00:05Z") + minute * 60_000,
    ).toISOString(),
  });
}

async function totals(shopId: string) {
  return netRevenueTotals(pool, shopId, WHOLE_RANGE);
}

describe("financial status through webhooks", () => {
  it.each(STATUSES)("%s counts: %s", async (status, counts) => {
    const domain = `status-${status.replace("_", "-")}.myshopify.com`;
    const shop = await createShop(domain);
    expect(
      await deliverOrderWebhook("orders/updated", domain, orderWith(1, status)),
    ).toBe(200);

    const row = await prisma.order.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.financialStatus).toBe(status);
    const sums = await totals(shop.id);
    expect(sums.orders).toBe(counts ? 1 : 0);
    expect(sums.gross.toFixed(2)).toBe(counts ? "20.00" : "0.00");
  });

  it("counts a pending order once it is paid", async () => {
    const domain = "pending-paid.myshopify.com";
    const shop = await createShop(domain);
    await deliverOrderWebhook(
      "orders/updated",
      domain,
      orderWith(1, "pending"),
    );
    expect((await totals(shop.id)).orders).toBe(0);

    expect(
      await deliverOrderWebhook("orders/paid", domain, orderWith(1, "paid", 5)),
    ).toBe(200);
    // orders/updated reports the same change, so it must not count again.
    await deliverOrderWebhook(
      "orders/updated",
      domain,
      orderWith(1, "paid", 5),
    );
    await deliverOrderWebhook(
      "orders/updated",
      domain,
      orderWith(1, "paid", 6),
    );

    const sums = await totals(shop.id);
    expect(sums.orders).toBe(1);
    expect(sums.gross.toFixed(2)).toBe("20.00");
    expect(sums.net.toFixed(2)).toBe("20.00");
  });

  it("keeps a paid order when a stale pending delivery arrives", async () => {
    const domain = "stale-pending.myshopify.com";
    const shop = await createShop(domain);
    await deliverOrderWebhook("orders/paid", domain, orderWith(1, "paid", 5));
    await deliverOrderWebhook(
      "orders/updated",
      domain,
      orderWith(1, "pending"),
    );

    expect((await totals(shop.id)).orders).toBe(1);
  });

  it("never counts a pending order that expires", async () => {
    const domain = "pending-expired.myshopify.com";
    const shop = await createShop(domain);
    await deliverOrderWebhook(
      "orders/updated",
      domain,
      orderWith(1, "pending"),
    );
    await deliverOrderWebhook(
      "orders/updated",
      domain,
      orderWith(1, "expired", 5),
    );

    const sums = await totals(shop.id);
    expect(sums.orders).toBe(0);
    expect(sums.gross.toFixed(2)).toBe("0.00");
  });

  it("nets a paid then refunded order to zero", async () => {
    const domain = "paid-refunded.myshopify.com";
    const shop = await createShop(domain);
    await deliverOrderWebhook("orders/paid", domain, orderWith(1, "paid"));
    const refund = restRefund({ number: 1, orderNumber: 1, amount: "20.00" });
    await deliverOrderWebhook("refunds/create", domain, refund);
    await deliverOrderWebhook("orders/updated", domain, {
      ...orderWith(1, "refunded", 60),
      refunds: [refund],
    });

    const sums = await totals(shop.id);
    expect(sums.orders).toBe(1);
    expect(sums.gross.toFixed(2)).toBe("20.00");
    expect(sums.refunds.toFixed(2)).toBe("20.00");
    expect(sums.net.toFixed(2)).toBe("0.00");
  });

  it("ignores refunds of a pending order", async () => {
    const domain = "pending-refund.myshopify.com";
    const shop = await createShop(domain);
    await deliverOrderWebhook(
      "orders/updated",
      domain,
      orderWith(1, "pending"),
    );
    await deliverOrderWebhook(
      "refunds/create",
      domain,
      restRefund({ number: 1, orderNumber: 1, amount: "5.00" }),
    );

    const sums = await totals(shop.id);
    expect(sums.refunds.toFixed(2)).toBe("0.00");
    expect(sums.net.toFixed(2)).toBe("0.00");
  });

  it("keeps two shops' statuses apart", async () => {
    const left = await createShop("status-left.myshopify.com");
    const right = await createShop("status-right.myshopify.com");
    await deliverOrderWebhook(
      "orders/paid",
      "status-left.myshopify.com",
      orderWith(1, "paid"),
    );
    await deliverOrderWebhook(
      "orders/updated",
      "status-right.myshopify.com",
      orderWith(1, "pending"),
    );

    expect((await totals(left.id)).orders).toBe(1);
    expect((await totals(right.id)).orders).toBe(0);
    await deliverOrderWebhook(
      "orders/paid",
      "status-right.myshopify.com",
      orderWith(1, "paid", 5),
    );
    expect((await totals(left.id)).orders).toBe(1);
    expect((await totals(right.id)).orders).toBe(1);
  });
});

describe("financial status in the daily rollup", () => {
  it("moves a visit's order into RPS when it is paid", async () => {
    const domain = "rollup-status.myshopify.com";
    const shop = await createShop(domain);
    const batch = makeBatch(domain);
    const response = await handleBatch(
      postJson("https://storelens.test/collect", batch),
      {
        pool,
        logger: pino({ level: "silent" }),
        now: () => new Date(batch.sentAt),
      },
    );
    expect(response.status).toBe(200);
    const order = (status: string, minute: number) => ({
      ...orderWith(1, status, minute),
      processed_at: new Date(T0 + 60_000).toISOString(),
      note_attributes: [{ name: "_storelens_session", value: batch.sessionId }],
    });
    const devices = async () => {
      await refreshRevenueRollup(pool, { id: shop.id, timezone: "UTC" });
      const rows = await revenueByDimension(pool, "device", {
        shopId: shop.id,
        range: DAY,
      });
      expect(rows).toHaveLength(1);
      return rows[0];
    };

    await deliverOrderWebhook("orders/updated", domain, order("pending", 0));
    const pending = await devices();
    expect(pending.sessions).toBe(1);
    expect(pending.orders).toBe(0);
    expect(pending.convertingSessions).toBe(0);
    expect(pending.netRevenue).toBe("0.00");

    await deliverOrderWebhook("orders/paid", domain, order("paid", 5));
    await deliverOrderWebhook("orders/updated", domain, order("paid", 5));
    const paid = await devices();
    expect(paid.orders).toBe(1);
    expect(paid.convertingSessions).toBe(1);
    expect(paid.netRevenue).toBe("20.00");

    await deliverOrderWebhook("orders/updated", domain, order("voided", 9));
    const voided = await devices();
    expect(voided.orders).toBe(0);
    expect(voided.netRevenue).toBe("0.00");
  });
});
