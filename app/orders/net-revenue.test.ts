import Decimal from "decimal.js";
import { pool, prisma } from "~/db.server";
import {
  netRevenueTotals,
  orderNetRevenue,
  type NetRevenueRange,
} from "./net-revenue.server";
import {
  countsAsRevenue,
  netRevenue,
  type RevenueOrder,
  type RevenueRefund,
} from "./revenue";

const T0 = new Date("2026-11-02T10:00:00Z");
const DAY_MS = 24 * 3600 * 1000;
const at = (days: number) => new Date(T0.getTime() + days * DAY_MS);
const RANGE: NetRevenueRange = { from: at(-1), to: at(30) };

interface OrderRow extends RevenueOrder {
  processedAt: Date;
}

interface RefundRow extends RevenueRefund {
  id: string;
  createdAt: Date;
}

function order(id: string, overrides: Partial<OrderRow> = {}): OrderRow {
  return {
    id,
    totalPrice: "20.00",
    currency: "EUR",
    cancelledAt: null,
    test: false,
    financialStatus: "paid",
    processedAt: at(0),
    ...overrides,
  };
}

async function insertShop(
  domain: string,
  orders: OrderRow[],
  refunds: RefundRow[],
): Promise<string> {
  const shop = await prisma.shop.create({ data: { domain, currency: "EUR" } });
  await prisma.order.createMany({
    data: orders.map((row) => ({
      shopId: shop.id,
      id: row.id,
      processedAt: row.processedAt,
      currency: row.currency,
      totalPrice: String(row.totalPrice),
      cancelledAt: row.cancelledAt,
      test: row.test,
      financialStatus: row.financialStatus,
    })),
  });
  await prisma.orderRefund.createMany({
    data: refunds.map((row) => ({
      shopId: shop.id,
      id: row.id,
      orderId: row.orderId,
      amount: String(row.amount),
      test: row.test,
      createdAt: row.createdAt,
    })),
  });
  return shop.id;
}

async function expectAgreement(
  shopId: string,
  orders: OrderRow[],
  refunds: RefundRow[],
) {
  const expected = netRevenue(orders, refunds);
  const totals = await netRevenueTotals(pool, shopId, RANGE);
  expect(totals.gross.toFixed(2)).toBe(expected.gross.toFixed(2));
  expect(totals.refunds.toFixed(2)).toBe(expected.refunds.toFixed(2));
  expect(totals.net.toFixed(2)).toBe(expected.net.toFixed(2));
  expect(totals.orders).toBe(expected.orders);
  expect(totals.currency).toBe(expected.currency);

  const rows = await orderNetRevenue(pool, shopId, RANGE);
  expect(rows).toHaveLength(orders.length);
  for (const row of rows) {
    const source = orders.find((candidate) => candidate.id === row.orderId)!;
    const own = netRevenue(
      [source],
      refunds.filter((refund) => refund.orderId === source.id),
    );
    expect(row.counted).toBe(countsAsRevenue(source));
    expect(row.net.toFixed(2)).toBe(own.net.toFixed(2));
    expect(row.gross.toFixed(2)).toBe(own.gross.toFixed(2));
    expect(row.refunds.toFixed(2)).toBe(own.refunds.toFixed(2));
  }
  return totals;
}

describe("net revenue in SQL", () => {
  it("matches exact values for a refund and a cancellation", async () => {
    const orders = [
      order("1"),
      order("2"),
      order("3"),
      order("4", { financialStatus: "refunded" }),
      order("5"),
      order("6", { cancelledAt: at(1), financialStatus: "voided" }),
    ];
    const refunds: RefundRow[] = [
      {
        id: "r4",
        orderId: "4",
        amount: "20.00",
        test: false,
        createdAt: at(3),
      },
    ];
    const shopId = await insertShop("exact.myshopify.com", orders, refunds);
    const totals = await expectAgreement(shopId, orders, refunds);
    expect(totals.gross.toFixed(2)).toBe("100.00");
    expect(totals.refunds.toFixed(2)).toBe("20.00");
    expect(totals.net.toFixed(2)).toBe("80.00");
    expect(totals.orders).toBe(5);
  });

  it("counts nothing of a test order refunded in test mode", async () => {
    const orders = [
      order("1", {
        totalPrice: "50.00",
        test: true,
        financialStatus: "refunded",
      }),
      order("2", { totalPrice: "30.00" }),
    ];
    const refunds: RefundRow[] = [
      { id: "r1", orderId: "1", amount: "50.00", test: true, createdAt: at(1) },
    ];
    const shopId = await insertShop("testorder.myshopify.com", orders, refunds);
    const totals = await expectAgreement(shopId, orders, refunds);
    expect(totals.orders).toBe(1);
    expect(totals.net.toFixed(2)).toBe("30.00");
    expect(totals.refunds.toFixed(2)).toBe("0.00");
  });

  it("agrees with the pure function on mixed orders", async () => {
    const statuses = [
      "paid",
      "partially_refunded",
      "refunded",
      "pending",
      "voided",
      "authorized",
      "partially_paid",
      "expired",
      "PENDING",
      "unknown_status",
      null,
    ];
    const orders: OrderRow[] = [];
    const refunds: RefundRow[] = [];
    for (let index = 1; index <= 40; index++) {
      const cents = (index * 1237) % 10_000;
      orders.push(
        order(String(index), {
          totalPrice: (cents / 100 + 1).toFixed(2),
          test: index % 9 === 0,
          cancelledAt: index % 7 === 0 ? at(2) : null,
          financialStatus: statuses[index % statuses.length],
          processedAt: at(index % 20),
        }),
      );
      if (index % 3 === 0) {
        refunds.push({
          id: `r${index}a`,
          orderId: String(index),
          amount: "0.35",
          test: index % 6 === 0,
          createdAt: at(21),
        });
        refunds.push({
          id: `r${index}b`,
          orderId: String(index),
          amount: "0.10",
          test: false,
          createdAt: at(22),
        });
      }
    }
    const shopId = await insertShop("mixed.myshopify.com", orders, refunds);
    await expectAgreement(shopId, orders, refunds);
  });

  it("matches the OrderNet view of the migrations", async () => {
    const orders = [
      order("1"),
      order("2", { financialStatus: "VOIDED" }),
      order("3", { test: true }),
      order("4", { cancelledAt: at(1) }),
      order("5", { totalPrice: "12.34", financialStatus: null }),
    ];
    const refunds: RefundRow[] = [
      { id: "r1", orderId: "1", amount: "1.50", test: false, createdAt: at(2) },
      { id: "r5", orderId: "5", amount: "0.34", test: true, createdAt: at(2) },
    ];
    const shopId = await insertShop("view.myshopify.com", orders, refunds);
    const fragment = await orderNetRevenue(pool, shopId, RANGE);
    const view = await pool.query<{
      orderId: string;
      counted: boolean;
      net: string;
    }>(
      `SELECT "orderId", counted, net FROM "OrderNet"
       WHERE "shopId" = $1 ORDER BY "processedAt", "orderId"`,
      [shopId],
    );
    const fromView = view.rows.map((row) => [
      row.orderId,
      row.counted,
      new Decimal(row.net).toFixed(2),
    ]);
    expect(fromView).toEqual(
      fragment.map((row) => [row.orderId, row.counted, row.net.toFixed(2)]),
    );
  });

  it("keeps each shop's orders apart", async () => {
    const a = await insertShop("a.myshopify.com", [order("1")], []);
    const b = await insertShop(
      "b.myshopify.com",
      [order("1", { totalPrice: "70.00" })],
      [
        {
          id: "r1",
          orderId: "1",
          amount: "5.00",
          test: false,
          createdAt: at(1),
        },
      ],
    );
    const totalsA = await netRevenueTotals(pool, a, RANGE);
    const totalsB = await netRevenueTotals(pool, b, RANGE);
    expect(totalsA.net.toFixed(2)).toBe("20.00");
    expect(totalsB.net.toFixed(2)).toBe("65.00");
  });

  it("limits orders to the range by processing time", async () => {
    const shopId = await insertShop(
      "range.myshopify.com",
      [order("1", { processedAt: at(-5) }), order("2")],
      [],
    );
    const rows = await orderNetRevenue(pool, shopId, RANGE);
    expect(rows.map((row) => row.orderId)).toEqual(["2"]);
    expect(rows[0].processedAt.toISOString()).toBe(T0.toISOString());
  });
});
