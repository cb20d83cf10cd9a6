import { pool, prisma } from "~/db.server";
import { revenueSummary } from "~/analytics/revenue/revenue-summary.server";
import { formatMoney } from "~/components/format";
import { netRevenueTotals } from "~/orders/net-revenue.server";
import { parseMoney } from "~/orders/money";
import { inTransaction, storeOrder } from "~/orders/store-order.server";
import {
  FIXTURE_ORDER_BASE,
  moneyBag,
  restOrder,
  restRefund,
} from "~/orders/test-fixtures";
import { deliverOrderWebhook } from "../../test/support/webhook-delivery";

// Amounts in currencies with three (KWD), two (USD) and no (JPY) minor
// digits, from the signed webhook through storage to the report totals.

const WHOLE_RANGE = {
  from: new Date("2026-01-01T00:00:00Z"),
  to: new Date("2027-01-01T00:00:00Z"),
};

async function createShop(domain: string, currency: string) {
  return prisma.shop.create({ data: { domain, currency } });
}

function orderIn(currency: string, number: number, amount: string) {
  return restOrder(number, {
    currency,
    presentment_currency: currency,
    total_price: amount,
    total_price_set: moneyBag(amount, currency),
  });
}

async function storedTotal(shopId: string, number: number) {
  const row = await prisma.order.findUniqueOrThrow({
    where: {
      shopId_id: { shopId, id: String(FIXTURE_ORDER_BASE + number) },
    },
  });
  return row.totalPrice.toString();
}

describe("order amounts by currency", () => {
  it("keeps KWD 12.345 and a refund of 0.005", async () => {
    const domain = "kwd.myshopify.com";
    const shop = await createShop(domain, "KWD");
    expect(
      await deliverOrderWebhook(
        "orders/paid",
        domain,
        orderIn("KWD", 1, "12.345"),
      ),
    ).toBe(200);
    const refund = restRefund({
      number: 1,
      orderNumber: 1,
      amount: "0.005",
      currency: "KWD",
    });
    expect(await deliverOrderWebhook("refunds/create", domain, refund)).toBe(
      200,
    );

    expect(await storedTotal(shop.id, 1)).toBe("12.345");
    const refunds = await prisma.orderRefund.findMany({
      where: { shopId: shop.id },
    });
    expect(refunds.map((row) => row.amount.toString())).toEqual(["0.005"]);
    const totals = await netRevenueTotals(pool, shop.id, WHOLE_RANGE);
    expect(totals.gross.toString()).toBe("12.345");
    expect(totals.refunds.toString()).toBe("0.005");
    expect(totals.net.toString()).toBe("12.34");
    expect(formatMoney(totals.net.toFixed(), "KWD")).toBe("KWD\u00a012.340");
  });

  it("keeps the refund once when orders/updated repeats it", async () => {
    const domain = "kwd-updated.myshopify.com";
    const shop = await createShop(domain, "KWD");
    const refund = restRefund({
      number: 2,
      orderNumber: 2,
      amount: "0.005",
      currency: "KWD",
    });
    await deliverOrderWebhook(
      "orders/paid",
      domain,
      orderIn("KWD", 2, "12.345"),
    );
    await deliverOrderWebhook("refunds/create", domain, refund);
    const withRefund = {
      ...orderIn("KWD", 2, "12.345"),
      updated_at: "2026-11-05T10:00:00Z",
      financial_status: "partially_refunded",
      refunds: [refund],
    };
    expect(
      await deliverOrderWebhook("orders/updated", domain, withRefund),
    ).toBe(200);

    const totals = await netRevenueTotals(pool, shop.id, WHOLE_RANGE);
    expect(totals.refunds.toString()).toBe("0.005");
    expect(totals.net.toString()).toBe("12.34");
  });

  it("keeps JPY 1200 and USD 10.10 in shops side by side", async () => {
    const yen = await createShop("jpy.myshopify.com", "JPY");
    const dollar = await createShop("usd.myshopify.com", "USD");
    await deliverOrderWebhook(
      "orders/paid",
      "jpy.myshopify.com",
      orderIn("JPY", 1, "1200"),
    );
    await deliverOrderWebhook(
      "orders/paid",
      "usd.myshopify.com",
      orderIn("USD", 1, "10.10"),
    );

    expect(await storedTotal(yen.id, 1)).toBe("1200");
    expect(await storedTotal(dollar.id, 1)).toBe("10.1");
    const yenTotals = await netRevenueTotals(pool, yen.id, WHOLE_RANGE);
    expect(yenTotals.currency).toBe("JPY");
    expect(yenTotals.net.toString()).toBe("1200");
    expect(formatMoney(yenTotals.net.toFixed(), "JPY")).toBe("¥1,200");
    const dollarTotals = await netRevenueTotals(pool, dollar.id, WHOLE_RANGE);
    expect(dollarTotals.currency).toBe("USD");
    expect(dollarTotals.net.toString()).toBe("10.1");
    expect(formatMoney(dollarTotals.net.toFixed(), "USD")).toBe("$10.10");
  });

  it("rejects a fourth decimal and keeps the stored total", async () => {
    const domain = "kwd-digits.myshopify.com";
    const shop = await createShop(domain, "KWD");
    await deliverOrderWebhook(
      "orders/paid",
      domain,
      orderIn("KWD", 1, "12.345"),
    );
    const tooPrecise = {
      ...orderIn("KWD", 1, "12.3456"),
      updated_at: "2026-11-05T10:00:00Z",
    };
    expect(
      await deliverOrderWebhook("orders/updated", domain, tooPrecise),
    ).toBe(422);
    expect(await storedTotal(shop.id, 1)).toBe("12.345");
  });
});

describe("sums over many orders", () => {
  it("adds 900 KWD orders without drift", async () => {
    const shop = await createShop("kwd-many.myshopify.com", "KWD");
    const amounts = ["12.345", "0.005", "0.1"];
    await inTransaction(async (client) => {
      for (let number = 1; number <= 900; number++) {
        const amount = amounts[number % 3];
        await storeOrder(client, shop.id, {
          id: String(FIXTURE_ORDER_BASE + number),
          name: null,
          processedAt: new Date(Date.UTC(2026, 10, 20, 10, 0, number % 60)),
          updatedAt: new Date(Date.UTC(2026, 10, 20, 10, 5)),
          cancelledAt: null,
          test: false,
          financialStatus: "paid",
          totalPrice: parseMoney(amount, "KWD", "totalPrice"),
          sessionId: null,
          checkoutToken: null,
          customerId: null,
          refunds: [
            {
              id: String(number),
              orderId: String(FIXTURE_ORDER_BASE + number),
              amount: parseMoney("0.001", "KWD", "amount"),
              createdAt: new Date(Date.UTC(2026, 10, 21)),
            },
          ],
        });
      }
    });

    // 300 of each amount: 3,735 gross, 0.9 refunded.
    const totals = await netRevenueTotals(pool, shop.id, WHOLE_RANGE);
    expect(totals.orders).toBe(900);
    expect(totals.gross.toString()).toBe("3735");
    expect(totals.refunds.toString()).toBe("0.9");
    expect(totals.net.toString()).toBe("3734.1");
    const summary = await revenueSummary(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: { from: "2026-11-20", to: "2026-11-20" },
    });
    expect(summary.grossRevenue).toBe("3735.00");
    expect(summary.refunds).toBe("0.90");
    expect(summary.netRevenue).toBe("3734.10");
    expect(formatMoney(summary.netRevenue, "KWD")).toBe("KWD\u00a03,734.100");
  });
});
