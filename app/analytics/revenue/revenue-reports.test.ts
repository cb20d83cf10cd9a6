import { randomUUID } from "node:crypto";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import type { BatchPayload } from "~/ingest/payload-types";
import {
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../../test/support/batches";
import { revenueRates } from "./metrics";
import { revenueByDay } from "./revenue-by-day.server";
import { revenueByDimension } from "./revenue-by-dimension.server";
import { revenueByPage } from "./revenue-by-page.server";
import { revenueByStage } from "./revenue-by-stage.server";
import { refreshRevenueRollup } from "./revenue-rollup.server";
import { revenueSummary } from "./revenue-summary.server";

const logger = pino({ level: "silent" });
const DAY = Date.UTC(2026, 10, 20, 15);
const RANGE = { from: "2026-11-20", to: "2026-11-20" };

async function newShop(domain: string, timezone = "UTC") {
  return prisma.shop.create({ data: { domain, timezone, currency: "EUR" } });
}

async function send(batch: BatchPayload, userAgent?: string) {
  const response = await handleBatch(
    postJson(
      "https://storelens.test/collect",
      batch,
      userAgent ? { "User-Agent": userAgent } : {},
    ),
    { pool, logger, now: () => new Date(batch.sentAt) },
  );
  expect(response.status).toBe(200);
}

/** Sends a visit with one page view of `path` at `at`. */
async function visit(shop: string, path: string, at = DAY, userAgent?: string) {
  const page = makePage({ path, startedAt: at });
  const batch = makeBatch(shop, {
    sentAt: at + 5000,
    pages: [page],
    events: [makeClick(page, { at: at + 1000 })],
  });
  await send(batch, userAgent);
  return batch.sessionId;
}

async function order(
  shopId: string,
  id: string,
  total: string,
  fields: Partial<{
    sessionId: string;
    test: boolean;
    cancelledAt: Date;
    processedAt: Date;
  }> = {},
) {
  await prisma.order.create({
    data: {
      shopId,
      id,
      processedAt: fields.processedAt ?? new Date(DAY + 60_000),
      currency: "EUR",
      totalPrice: total,
      sessionId: fields.sessionId ?? null,
      test: fields.test ?? false,
      cancelledAt: fields.cancelledAt ?? null,
    },
  });
}

describe("revenue summary", () => {
  it("nets refunds and ignores cancelled orders", async () => {
    const shop = await newShop("net.myshopify.com");
    for (let i = 1; i <= 5; i++) await order(shop.id, `${1000 + i}`, "20.00");
    await order(shop.id, "1006", "20.00", {
      cancelledAt: new Date(DAY + 120_000),
    });
    await prisma.orderRefund.create({
      data: {
        shopId: shop.id,
        id: "9001",
        orderId: "1001",
        amount: "20.00",
        createdAt: new Date(DAY + 3 * 86_400_000),
      },
    });
    await refreshRevenueRollup(pool, shop);
    const summary = await revenueSummary(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: RANGE,
    });
    expect(summary.grossRevenue).toBe("100.00");
    expect(summary.refunds).toBe("20.00");
    expect(summary.netRevenue).toBe("80.00");
    expect(summary.orders).toBe(5);
  });

  it("counts nothing of a test order", async () => {
    const shop = await newShop("testmode.myshopify.com");
    await order(shop.id, "2001", "50.00", { test: true });
    await prisma.orderRefund.create({
      data: {
        shopId: shop.id,
        id: "9101",
        orderId: "2001",
        amount: "50.00",
        test: true,
        createdAt: new Date(DAY + 86_400_000),
      },
    });
    await order(shop.id, "2002", "30.00");
    await refreshRevenueRollup(pool, shop);
    const summary = await revenueSummary(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: RANGE,
    });
    expect(summary.orders).toBe(1);
    expect(summary.netRevenue).toBe("30.00");
    expect(summary.refunds).toBe("0.00");
  });

  it("keeps an order no session claims as unattributed", async () => {
    const shop = await newShop("claims.myshopify.com");
    const sessionId = await visit(shop.domain, "/products/linen-shirt");
    const completed = {
      type: "shopify" as const,
      id: `checkout-${randomUUID()}`,
      name: "checkout_completed" as const,
      at: DAY + 2000,
      path: "/checkouts/cn/thank-you",
      orderId: "3001",
      amount: 45,
      currency: "EUR",
    };
    await order(shop.id, "3001", "45.00");
    await order(shop.id, "3002", "55.00");
    const { visitorId } = await prisma.visitorSession.findFirstOrThrow({
      where: { id: sessionId },
    });
    const pixel: BatchPayload = {
      v: 1,
      batchId: randomUUID(),
      shop: shop.domain,
      visitorId,
      sessionId,
      sentAt: DAY + 6000,
      pages: [],
      events: [completed],
      source: "pixel",
      clientId: "c1",
    };
    await send(pixel);
    await send(pixel);
    await send({ ...pixel, batchId: randomUUID() });

    await refreshRevenueRollup(pool, shop);

    const summary = await revenueSummary(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: RANGE,
    });
    expect(summary.orders).toBe(2);
    expect(summary.netRevenue).toBe("100.00");
    expect(summary.unattributedOrders).toBe(1);
    expect(summary.unattributedRevenue).toBe("55.00");
    expect(summary.convertingSessions).toBe(1);
  });

  it("leaves bot sessions out of the RPS denominator", async () => {
    const shop = await newShop("bots.myshopify.com");
    await visit(
      shop.domain,
      "/",
      DAY,
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
    );
    const human = await visit(shop.domain, "/");
    await order(shop.id, "4001", "60.00", { sessionId: human });
    await refreshRevenueRollup(pool, shop);
    const summary = await revenueSummary(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: RANGE,
    });
    expect(summary.sessions).toBe(1);
    expect(revenueRates(summary).rps).toBe("60");
  });
});

describe("revenue breakdowns", () => {
  it("splits RPS by page, stage and device", async () => {
    const shop = await newShop("split.myshopify.com");
    const buyer = await visit(shop.domain, "/products/linen-shirt");
    await visit(shop.domain, "/products/linen-shirt");
    await visit(shop.domain, "/");
    await order(shop.id, "5001", "90.00", { sessionId: buyer });
    const filter = { shopId: shop.id, timezone: "UTC", range: RANGE };
    await refreshRevenueRollup(pool, shop);

    const pages = await revenueByPage(pool, filter);
    expect(pages).toEqual([
      {
        path: "/products/linen-shirt",
        sessions: 2,
        convertingSessions: 1,
        orders: 1,
        netRevenue: "90.00",
      },
      {
        path: "/",
        sessions: 1,
        convertingSessions: 0,
        orders: 0,
        netRevenue: "0.00",
      },
    ]);

    const stages = await revenueByStage(pool, filter);
    expect(stages.find((row) => row.stage === "product")).toMatchObject({
      sessions: 2,
      netRevenue: "90.00",
    });
    expect(stages.find((row) => row.stage === "cart")?.sessions).toBe(0);

    const devices = await revenueByDimension(pool, "device", filter);
    expect(devices).toEqual([
      {
        key: "desktop",
        sessions: 3,
        convertingSessions: 1,
        orders: 1,
        netRevenue: "90.00",
      },
    ]);
  });

  it("buckets days in the shop's time zone across a DST change", async () => {
    const shop = await newShop("dst.myshopify.com", "America/New_York");
    // 2026-03-08 02:00 local is when New York moves to daylight time.
    await visit(shop.domain, "/", Date.UTC(2026, 2, 8, 4, 30)); // Mar 7, 23:30 EST
    await visit(shop.domain, "/", Date.UTC(2026, 2, 8, 5, 30)); // Mar 8, 00:30 EST
    await visit(shop.domain, "/", Date.UTC(2026, 2, 9, 3, 30)); // Mar 8, 23:30 EDT
    await visit(shop.domain, "/", Date.UTC(2026, 2, 9, 4, 30)); // Mar 9, 00:30 EDT
    await refreshRevenueRollup(pool, shop);
    const days = await revenueByDay(pool, {
      shopId: shop.id,
      timezone: "America/New_York",
      range: { from: "2026-03-07", to: "2026-03-09" },
    });
    expect(days.map((row) => [row.day, row.sessions])).toEqual([
      ["2026-03-07", 1],
      ["2026-03-08", 2],
      ["2026-03-09", 1],
    ]);
  });
});

describe("revenueRates", () => {
  it("marks tiny samples and avoids dividing by zero", () => {
    expect(
      revenueRates({
        sessions: 0,
        convertingSessions: 0,
        orders: 0,
        netRevenue: "0.00",
      }),
    ).toEqual({
      rps: null,
      conversionRate: null,
      aov: null,
      smallSample: true,
    });
    expect(
      revenueRates({
        sessions: 200,
        convertingSessions: 5,
        orders: 6,
        netRevenue: "300.00",
      }),
    ).toEqual({
      rps: "1.5",
      conversionRate: 0.025,
      aov: "50",
      smallSample: false,
    });
  });
});

describe("revenue rollup", () => {
  it("rebuilds only the days that changed", async () => {
    const shop = await newShop("rollup.myshopify.com");
    const buyer = await visit(shop.domain, "/products/linen-shirt");
    await visit(shop.domain, "/", DAY + 86_400_000);
    expect(await refreshRevenueRollup(pool, shop)).toBe(2);
    expect(await refreshRevenueRollup(pool, shop)).toBe(0);

    // An order that arrives later marks its session's day only.
    await order(shop.id, "6001", "40.00", { sessionId: buyer });
    expect(await refreshRevenueRollup(pool, shop)).toBe(1);
    const filter = { shopId: shop.id, range: RANGE };
    expect((await revenueByPage(pool, filter))[0]).toMatchObject({
      path: "/products/linen-shirt",
      orders: 1,
      netRevenue: "40.00",
    });

    // A refund lowers the session's revenue on the next refresh.
    await prisma.orderRefund.create({
      data: {
        shopId: shop.id,
        id: "9601",
        orderId: "6001",
        amount: "15.00",
        createdAt: new Date(DAY + 2 * 86_400_000),
      },
    });
    expect(await refreshRevenueRollup(pool, shop)).toBe(1);
    expect((await revenueByPage(pool, filter))[0].netRevenue).toBe("25.00");
  });

  it("drops a session later flagged as a bot", async () => {
    const shop = await newShop("late-bot.myshopify.com");
    const page = makePage({ path: "/", startedAt: DAY });
    const batch = makeBatch(shop.domain, {
      sentAt: DAY + 5000,
      pages: [page],
      events: [makeClick(page, { at: DAY + 1000 })],
    });
    await send(batch);
    await refreshRevenueRollup(pool, shop);
    const filter = { shopId: shop.id, range: RANGE };
    expect((await revenueByDimension(pool, "device", filter))[0].sessions).toBe(
      1,
    );

    await send(
      {
        ...batch,
        batchId: randomUUID(),
        pages: [],
        events: [makeClick(page, { at: DAY + 2000 })],
      },
      "Googlebot/2.1 (+http://www.google.com/bot.html)",
    );
    await refreshRevenueRollup(pool, shop);
    expect(await revenueByDimension(pool, "device", filter)).toEqual([]);
  });

  it("keeps two shops' rollups apart", async () => {
    const one = await newShop("rollup-one.myshopify.com");
    const two = await newShop("rollup-two.myshopify.com");
    await visit(one.domain, "/");
    await visit(two.domain, "/");
    await visit(two.domain, "/");
    await refreshRevenueRollup(pool, one);
    await refreshRevenueRollup(pool, two);
    const sessionsOf = async (shopId: string) =>
      (await revenueByDimension(pool, "device", { shopId, range: RANGE }))[0]
        .sessions;
    expect(await sessionsOf(one.id)).toBe(1);
    expect(await sessionsOf(two.id)).toBe(2);
  });
});

describe("net revenue rules", () => {
  it("leaves out orders in another currency than the shop's", async () => {
    const shop = await newShop("currencies.myshopify.com");
    await order(shop.id, "7001", "30.00");
    await prisma.order.create({
      data: {
        shopId: shop.id,
        id: "7002",
        processedAt: new Date(DAY + 60_000),
        currency: "JPY",
        totalPrice: "5000",
      },
    });
    await refreshRevenueRollup(pool, shop);
    const summary = await revenueSummary(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: RANGE,
    });
    expect(summary.orders).toBe(1);
    expect(summary.netRevenue).toBe("30.00");
  });

  it("never lets a refund push an order below zero", async () => {
    const shop = await newShop("over-refund.myshopify.com");
    await order(shop.id, "7101", "50.00");
    await prisma.orderRefund.create({
      data: {
        shopId: shop.id,
        id: "9701",
        orderId: "7101",
        amount: "500.00",
        createdAt: new Date(DAY + 86_400_000),
      },
    });
    await refreshRevenueRollup(pool, shop);
    const summary = await revenueSummary(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: RANGE,
    });
    expect(summary.netRevenue).toBe("0.00");
    expect(summary.refunds).toBe("50.00");
  });

  it("rebuilds a day whose mark was written during a refresh", async () => {
    const shop = await newShop("race.myshopify.com");
    const buyer = await visit(shop.domain, "/");
    await refreshRevenueRollup(pool, shop);
    await visit(shop.domain, "/");
    // A writer marks the day again and keeps its transaction open while a
    // refresh runs: the refresh must leave that mark for the next run.
    const writer = await pool.connect();
    try {
      await writer.query("BEGIN");
      await writer.query(
        `INSERT INTO "Order" ("shopId", id, "processedAt", currency,
           "totalPrice", "sessionId", "updatedAt")
         VALUES ($1, '7201', $2, 'EUR', 25, $3, now())`,
        [shop.id, new Date(DAY + 60_000), buyer],
      );
      await refreshRevenueRollup(pool, shop);
      await writer.query("COMMIT");
    } finally {
      writer.release();
    }
    expect(await refreshRevenueRollup(pool, shop)).toBe(1);
    const pages = await revenueByPage(pool, { shopId: shop.id, range: RANGE });
    expect(pages[0]).toMatchObject({
      path: "/",
      orders: 1,
      netRevenue: "25.00",
    });
  });
});
