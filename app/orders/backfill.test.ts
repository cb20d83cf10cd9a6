import { pool, prisma } from "~/db.server";
import {
  startAdminApiStandIn,
  fixtureOrder,
  type AdminApiStandIn,
} from "../../test/support/admin-api-stand-in";
import { storeOfflineSession } from "../../test/support/shopify";
import {
  BACKFILL_DAYS,
  backfillStatus,
  recordBackfill,
  resumeBackfills,
  runBackfill,
  settleBackfills,
  startBackfill,
} from "./backfill.server";
import type { GraphqlOrderNode } from "./graphql-order";
import { netRevenueTotals } from "./net-revenue.server";

const DAY_MS = 24 * 3600 * 1000;

let standIn: AdminApiStandIn;
let restoreFetch: () => void;

beforeAll(async () => {
  standIn = await startAdminApiStandIn();
  restoreFetch = standIn.install();
});

afterAll(async () => {
  restoreFetch();
  await standIn.stop();
});

/**
 * 250 orders of the last 60 days, every tenth fully refunded a day later
 * and every 25th a test order, plus 5 orders too old to import.
 */
function fixtures(prefix = 0): GraphqlOrderNode[] {
  const start = new Date(Date.now() - 50 * DAY_MS);
  const orders: GraphqlOrderNode[] = [];
  for (let number = 1; number <= 250; number++) {
    const processedAt = new Date(start.getTime() + number * 60_000);
    const refunds =
      number % 10 === 0
        ? [
            {
              id: `gid://shopify/Refund/${prefix + 800_000 + number}`,
              createdAt: new Date(processedAt.getTime() + DAY_MS).toISOString(),
              totalRefundedSet: {
                shopMoney: { amount: "20.00", currencyCode: "EUR" },
              },
            },
          ]
        : [];
    orders.push(
      fixtureOrder(prefix + number, start, {
        test: number % 25 === 0,
        displayFinancialStatus: refunds.length > 0 ? "REFUNDED" : "PAID",
        refunds,
      }),
    );
  }
  const old = new Date(Date.now() - 70 * DAY_MS);
  for (let number = 1; number <= 5; number++) {
    orders.push(fixtureOrder(prefix + 10_000 + number, old));
  }
  return orders;
}

async function installedShop(
  domain: string,
  orders = fixtures(),
  currency?: string,
) {
  const shop = await prisma.shop.create({ data: { domain, currency } });
  await storeOfflineSession(domain);
  const session = await prisma.session.findUniqueOrThrow({
    where: { id: `offline_${domain}` },
  });
  standIn.addShop(domain, session.accessToken, orders);
  return shop;
}

const pagesRequested = (domain: string) =>
  standIn.requestsFor(domain).map((request) => [request.page, request.status]);

describe("order backfill", () => {
  afterEach(() => standIn.clearFailures());

  it("imports 250 orders of the last 60 days in 3 pages", async () => {
    const shop = await installedShop("full.myshopify.com");
    const started = await startBackfill(shop);
    expect(started.status).toBe("pending");
    const expectedSince = Date.now() - BACKFILL_DAYS * DAY_MS;
    expect(Math.abs(started.since.getTime() - expectedSince)).toBeLessThan(
      60_000,
    );
    await settleBackfills();

    const status = await backfillStatus(shop.id);
    expect(status).toMatchObject({
      status: "done",
      imported: 250,
      error: null,
    });
    expect(status!.finishedAt).not.toBeNull();
    expect(pagesRequested("full.myshopify.com")).toEqual([
      [1, "ok"],
      [2, "ok"],
      [3, "ok"],
    ]);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(250);
    expect(
      await prisma.order.count({ where: { shopId: shop.id, test: true } }),
    ).toBe(10);
    const refunds = await prisma.orderRefund.findMany({
      where: { shopId: shop.id },
    });
    expect(refunds).toHaveLength(25);
    // Order 50 is both refunded and a test order.
    expect(refunds.filter((refund) => refund.test)).toHaveLength(5);
    const order = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.id, id: "5000000000010" } },
    });
    expect(order.name).toBe("#1010");
    expect(order.financialStatus).toBe("refunded");
    expect(order.totalPrice.toFixed(2)).toBe("20.00");
  });

  it("resumes after a failure on page 2 without counting twice", async () => {
    const shop = await installedShop("crash.myshopify.com");
    standIn.failOn({ page: 2, kind: "http500" });
    await recordBackfill(shop);
    await expect(runBackfill(shop.id)).rejects.toThrow(
      "Shopify internal error",
    );

    const failed = await backfillStatus(shop.id);
    expect(failed).toMatchObject({ status: "failed", imported: 100 });
    expect(failed!.error).toContain("Shopify internal error");
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(100);

    standIn.clearFailures();
    expect(await resumeBackfills()).toContain(shop.id);
    await settleBackfills();

    expect(await backfillStatus(shop.id)).toMatchObject({
      status: "done",
      imported: 250,
      error: null,
    });
    expect(pagesRequested("crash.myshopify.com")).toEqual([
      [1, "ok"],
      [2, "http500"],
      [2, "ok"],
      [3, "ok"],
    ]);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(250);
    const refunds = await prisma.orderRefund.aggregate({
      where: { shopId: shop.id },
      _count: true,
      _sum: { amount: true },
    });
    expect(refunds._count).toBe(25);
    expect(refunds._sum.amount!.toFixed(2)).toBe("500.00");
  });

  it("resumes a run whose process died", async () => {
    const shop = await installedShop("died.myshopify.com");
    standIn.failOn({ page: 3, kind: "http500" });
    await recordBackfill(shop);
    await expect(runBackfill(shop.id)).rejects.toThrow();
    // A process that dies leaves the backfill running, not failed.
    await prisma.orderBackfill.update({
      where: { shopId: shop.id },
      data: { status: "running", error: null },
    });
    standIn.clearFailures();

    expect(await resumeBackfills()).toContain(shop.id);
    await settleBackfills();
    expect(await backfillStatus(shop.id)).toMatchObject({
      status: "done",
      imported: 250,
    });
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(250);
  });

  it("never counts a page twice when two runs race", async () => {
    const shop = await installedShop("race.myshopify.com");
    await recordBackfill(shop);
    const results = await Promise.all([
      runBackfill(shop.id),
      runBackfill(shop.id),
    ]);
    expect(results.map((result) => result?.status)).toContain("done");
    expect(await backfillStatus(shop.id)).toMatchObject({
      status: "done",
      imported: 250,
    });
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(250);
  });

  it("waits out THROTTLED answers", async () => {
    const shop = await installedShop("throttled.myshopify.com");
    standIn.failOn({ page: 2, kind: "throttled", times: 2 });
    await recordBackfill(shop);
    const status = await runBackfill(shop.id);
    expect(status).toMatchObject({ status: "done", imported: 250 });
    expect(pagesRequested("throttled.myshopify.com")).toEqual([
      [1, "ok"],
      [2, "throttled"],
      [2, "throttled"],
      [2, "ok"],
      [3, "ok"],
    ]);
  });

  it("keeps webhook data the Admin API lacks or has older", async () => {
    const orders = fixtures();
    const shop = await installedShop("merge.myshopify.com", orders);
    await prisma.order.create({
      data: {
        shopId: shop.id,
        id: "5000000000001",
        name: "#1001",
        processedAt: new Date(orders[0].processedAt),
        currency: "EUR",
        totalPrice: "20.00",
        checkoutToken: "checkout-1",
        sessionId: "0b7f3c7e-5d1a-4c2b-9e8f-1a2b3c4d5e6f",
        cancelledAt: new Date(),
        // Newer than the Admin API's copy: the order was cancelled since.
        shopifyUpdatedAt: new Date(),
      },
    });
    await recordBackfill(shop);
    await runBackfill(shop.id);

    const row = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.id, id: "5000000000001" } },
    });
    expect(row.cancelledAt).not.toBeNull();
    expect(row.checkoutToken).toBe("checkout-1");
    expect(row.sessionId).toBe("0b7f3c7e-5d1a-4c2b-9e8f-1a2b3c4d5e6f");
    const second = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.id, id: "5000000000002" } },
    });
    expect(second.checkoutToken).toBeNull();
  });

  it("starts a finished backfill over without duplicates", async () => {
    const shop = await installedShop("again.myshopify.com");
    await recordBackfill(shop);
    await runBackfill(shop.id);
    await startBackfill(shop);
    await settleBackfills();
    expect(await backfillStatus(shop.id)).toMatchObject({
      status: "done",
      imported: 250,
    });
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(250);
    expect(await prisma.orderRefund.count({ where: { shopId: shop.id } })).toBe(
      25,
    );
  });

  it("fails with the reason when the shop has no session", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "nosession.myshopify.com" },
    });
    await startBackfill(shop);
    await settleBackfills();
    const status = await backfillStatus(shop.id);
    expect(status!.status).toBe("failed");
    expect(status!.error).toContain(
      "Could not find a session for shop nosession.myshopify.com",
    );
    expect(standIn.requestsFor("nosession.myshopify.com")).toHaveLength(0);
  });

  it("keeps two shops apart", async () => {
    const left = await installedShop("left.myshopify.com", fixtures());
    const right = await installedShop(
      "right.myshopify.com",
      fixtures(100_000).slice(0, 30),
    );
    await Promise.all([startBackfill(left), startBackfill(right)]);
    await settleBackfills();

    expect(await backfillStatus(left.id)).toMatchObject({ imported: 250 });
    expect(await backfillStatus(right.id)).toMatchObject({ imported: 30 });
    const rightIds = await prisma.order.findMany({
      where: { shopId: right.id },
      select: { id: true },
    });
    expect(rightIds).toHaveLength(30);
    expect(rightIds.every((row) => Number(row.id) > 5_000_000_100_000)).toBe(
      true,
    );
    expect(await prisma.order.count({ where: { shopId: left.id } })).toBe(250);
  });
});

function shopMoney(amount: string, currencyCode: string) {
  return { shopMoney: { amount, currencyCode } };
}

const RECENT = {
  from: new Date(Date.now() - 61 * DAY_MS),
  to: new Date(Date.now() + DAY_MS),
};

describe("imported amounts by currency", () => {
  it("keeps KWD, JPY and USD amounts exactly", async () => {
    const start = new Date(Date.now() - 10 * DAY_MS);
    const kwd = await installedShop(
      "import-kwd.myshopify.com",
      [
        fixtureOrder(1, start, {
          totalPriceSet: shopMoney("12.345", "KWD"),
          displayFinancialStatus: "PARTIALLY_REFUNDED",
          refunds: [
            {
              id: "gid://shopify/Refund/700001",
              createdAt: new Date(start.getTime() + DAY_MS).toISOString(),
              totalRefundedSet: shopMoney("0.005", "KWD"),
            },
          ],
        }),
      ],
      "KWD",
    );
    const jpy = await installedShop(
      "import-jpy.myshopify.com",
      [fixtureOrder(1, start, { totalPriceSet: shopMoney("1200", "JPY") })],
      "JPY",
    );
    const usd = await installedShop(
      "import-usd.myshopify.com",
      [fixtureOrder(1, start, { totalPriceSet: shopMoney("10.10", "USD") })],
      "USD",
    );
    await Promise.all([kwd, jpy, usd].map((shop) => startBackfill(shop)));
    await settleBackfills();

    const kwdTotals = await netRevenueTotals(pool, kwd.id, RECENT);
    expect(kwdTotals.gross.toString()).toBe("12.345");
    expect(kwdTotals.refunds.toString()).toBe("0.005");
    expect(kwdTotals.net.toString()).toBe("12.34");
    const jpyTotals = await netRevenueTotals(pool, jpy.id, RECENT);
    expect(jpyTotals.net.toString()).toBe("1200");
    expect(jpyTotals.currency).toBe("JPY");
    const usdTotals = await netRevenueTotals(pool, usd.id, RECENT);
    expect(usdTotals.net.toString()).toBe("10.1");
    expect(usdTotals.currency).toBe("USD");
  });

  it("skips an order with a fourth decimal and imports the rest", async () => {
    const start = new Date(Date.now() - 10 * DAY_MS);
    const shop = await installedShop(
      "import-digits.myshopify.com",
      [
        fixtureOrder(1, start, { totalPriceSet: shopMoney("1.2345", "KWD") }),
        fixtureOrder(2, start, { totalPriceSet: shopMoney("1.234", "KWD") }),
      ],
      "KWD",
    );
    await startBackfill(shop);
    await settleBackfills();
    expect((await backfillStatus(shop.id))!.status).toBe("done");
    const rows = await prisma.order.findMany({ where: { shopId: shop.id } });
    expect(rows.map((row) => row.totalPrice.toString())).toEqual(["1.234"]);
  });
});

describe("imported financial statuses", () => {
  const STATUSES = [
    ["PENDING", false],
    ["AUTHORIZED", true],
    ["PARTIALLY_PAID", true],
    ["PAID", true],
    ["PARTIALLY_REFUNDED", true],
    ["REFUNDED", true],
    ["VOIDED", false],
    ["EXPIRED", false],
  ] as const;

  it("counts only authorized or captured payments", async () => {
    const start = new Date(Date.now() - 10 * DAY_MS);
    const shop = await installedShop(
      "import-statuses.myshopify.com",
      STATUSES.map(([status], index) =>
        fixtureOrder(index + 1, start, { displayFinancialStatus: status }),
      ),
      "EUR",
    );
    await startBackfill(shop);
    await settleBackfills();

    const rows = await prisma.order.findMany({
      where: { shopId: shop.id },
      orderBy: { processedAt: "asc" },
    });
    expect(rows.map((row) => row.financialStatus)).toEqual(
      STATUSES.map(([status]) => status.toLowerCase()),
    );
    const counted = await pool.query<{ status: string; counted: boolean }>(
      `SELECT o."financialStatus" AS status, n.counted
       FROM "OrderNet" n
       JOIN "Order" o ON o."shopId" = n."shopId" AND o.id = n."orderId"
       WHERE n."shopId" = $1 ORDER BY n."processedAt"`,
      [shop.id],
    );
    expect(counted.rows.map((row) => row.counted)).toEqual(
      STATUSES.map(([, counts]) => counts),
    );
    const totals = await netRevenueTotals(pool, shop.id, RECENT);
    expect(totals.orders).toBe(5);
    expect(totals.gross.toFixed(2)).toBe("100.00");
  });

  it("counts a pending order once a later import finds it paid", async () => {
    const start = new Date(Date.now() - 10 * DAY_MS);
    const pending = fixtureOrder(1, start, {
      displayFinancialStatus: "PENDING",
    });
    const other = await installedShop(
      "import-other.myshopify.com",
      [fixtureOrder(1, start)],
      "EUR",
    );
    const shop = await installedShop(
      "import-pending.myshopify.com",
      [pending],
      "EUR",
    );
    await Promise.all([startBackfill(shop), startBackfill(other)]);
    await settleBackfills();
    expect((await netRevenueTotals(pool, shop.id, RECENT)).orders).toBe(0);
    expect((await netRevenueTotals(pool, other.id, RECENT)).orders).toBe(1);

    const session = await prisma.session.findUniqueOrThrow({
      where: { id: "offline_import-pending.myshopify.com" },
    });
    const paidAt = new Date(Date.parse(pending.updatedAt) + DAY_MS);
    standIn.addShop("import-pending.myshopify.com", session.accessToken, [
      {
        ...pending,
        displayFinancialStatus: "PAID",
        updatedAt: paidAt.toISOString(),
      },
    ]);
    await startBackfill(shop);
    await settleBackfills();

    const totals = await netRevenueTotals(pool, shop.id, RECENT);
    expect(totals.orders).toBe(1);
    expect(totals.gross.toFixed(2)).toBe("20.00");
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(1);
    expect((await netRevenueTotals(pool, other.id, RECENT)).orders).toBe(1);
  });
});
