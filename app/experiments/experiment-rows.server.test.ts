import { randomUUID } from "node:crypto";
import { pool, prisma } from "~/db.server";
import type { ArmDayRow } from "./evaluate";
import {
  EXPOSURE_CLOCK_TOLERANCE_MS,
  experimentRows,
} from "./experiment-rows.server";

// Exposed visits and their orders written straight into PostgreSQL, so each
// order's time relative to its visit's first exposure is exact. Two shops
// run an experiment with the same key side by side.

const EXPERIMENT = "hero-copy";
const EXPOSED_AT = Date.parse("2026-11-20T10:00:00.000Z");
const MINUTE_MS = 60_000;

type ShopName = "a" | "b" | "c";
const shopIds: Record<ShopName, string> = { a: "", b: "", c: "" };
let orderNumber = 1000;

async function exposedVisit(
  shop: ShopName,
  variant: string,
  orders: { at: number; total: number }[] = [],
) {
  const sessionId = randomUUID();
  const visitorId = randomUUID();
  const startedAt = new Date(EXPOSED_AT - 30 * MINUTE_MS);
  await prisma.visitorSession.create({
    data: {
      shopId: shopIds[shop],
      id: sessionId,
      visitorId,
      startedAt,
      lastSeenAt: new Date(EXPOSED_AT + 30 * MINUTE_MS),
      device: "desktop",
    },
  });
  await prisma.experimentExposure.create({
    data: {
      shopId: shopIds[shop],
      experimentKey: EXPERIMENT,
      sessionId,
      visitorId,
      variant,
      exposedAt: new Date(EXPOSED_AT),
      source: "pixel",
    },
  });
  for (const order of orders) {
    orderNumber += 1;
    await prisma.order.create({
      data: {
        shopId: shopIds[shop],
        id: String(orderNumber),
        processedAt: new Date(order.at),
        currency: "USD",
        totalPrice: order.total,
        sessionId,
      },
    });
  }
}

function rowOf(rows: ArmDayRow[], variant: string) {
  const found = rows.filter((row) => row.variant === variant);
  expect(found).toHaveLength(1);
  return found[0];
}

beforeAll(async () => {
  for (const shop of ["a", "b", "c"] as const) {
    const created = await prisma.shop.create({
      data: { domain: `exposure-${shop}.myshopify.com` },
    });
    shopIds[shop] = created.id;
  }

  // Shop A, control.
  await exposedVisit("a", "control", [
    { at: EXPOSED_AT - 10 * MINUTE_MS, total: 40 },
    { at: EXPOSED_AT + 5 * MINUTE_MS, total: 60 },
  ]);
  await exposedVisit("a", "control", [{ at: EXPOSED_AT, total: 25 }]);
  await exposedVisit("a", "control");
  await exposedVisit("a", "control", [
    { at: EXPOSED_AT - 60 * MINUTE_MS, total: 100 },
  ]);

  // Shop A, treatment: one order on each side of the tolerance's edge.
  await exposedVisit("a", "b", [
    { at: EXPOSED_AT - EXPOSURE_CLOCK_TOLERANCE_MS - 1000, total: 70 },
  ]);
  await exposedVisit("a", "b", [
    { at: EXPOSED_AT - EXPOSURE_CLOCK_TOLERANCE_MS, total: 30 },
  ]);
  await exposedVisit("a", "b", [
    { at: EXPOSED_AT + MINUTE_MS, total: 10 },
    { at: EXPOSED_AT + 2 * MINUTE_MS, total: 20 },
  ]);
  await exposedVisit("a", "b");

  // Shop B, same experiment key, other amounts.
  await exposedVisit("b", "b", [
    { at: EXPOSED_AT - 5 * MINUTE_MS, total: 500 },
    { at: EXPOSED_AT + 5 * MINUTE_MS, total: 900 },
  ]);
  await exposedVisit("b", "control", [
    { at: EXPOSED_AT - 5 * MINUTE_MS, total: 300 },
  ]);

  // Shop C: exposed visits that never ordered.
  await exposedVisit("c", "control");
  await exposedVisit("c", "control");
});

describe("experimentRows", () => {
  it("counts control orders from the exposure on", async () => {
    const { rows } = await experimentRows(
      pool,
      { shopId: shopIds.a, timezone: "UTC", experimentKey: EXPERIMENT },
      ["control", "b"],
    );
    const control = rowOf(rows, "control");
    expect(control.day).toBe("2026-11-20");
    expect(control.sessions).toBe(4);
    // The 60 order after the exposure and the 25 order exactly at it.
    expect(control.convertingSessions).toBe(2);
    expect(control.orders).toBe(2);
    expect(control.revenue).toBe(85);
    expect(control.revenueSquares).toBe(60 * 60 + 25 * 25);
    expect(control.orderValueSquares).toBe(60 * 60 + 25 * 25);
  });

  it("counts an order within the clock tolerance", async () => {
    const { rows } = await experimentRows(
      pool,
      { shopId: shopIds.a, timezone: "UTC", experimentKey: EXPERIMENT },
      ["control", "b"],
    );
    const treatment = rowOf(rows, "b");
    expect(treatment.sessions).toBe(4);
    // The 30 order at the tolerance's edge and the visit with 10 + 20;
    // the 70 order a second earlier than the edge is left out.
    expect(treatment.convertingSessions).toBe(2);
    expect(treatment.orders).toBe(3);
    expect(treatment.revenue).toBe(60);
    expect(treatment.revenueSquares).toBe(30 * 30 + 30 * 30);
    expect(treatment.orderValueSquares).toBe(30 * 30 + 10 * 10 + 20 * 20);
  });

  it("keeps the other shop's orders apart", async () => {
    const { rows } = await experimentRows(
      pool,
      { shopId: shopIds.b, timezone: "UTC", experimentKey: EXPERIMENT },
      ["control", "b"],
    );
    const control = rowOf(rows, "control");
    expect(control.sessions).toBe(1);
    expect(control.convertingSessions).toBe(0);
    expect(control.orders).toBe(0);
    expect(control.revenue).toBe(0);
    const treatment = rowOf(rows, "b");
    expect(treatment.sessions).toBe(1);
    expect(treatment.convertingSessions).toBe(1);
    expect(treatment.orders).toBe(1);
    expect(treatment.revenue).toBe(900);
    expect(treatment.revenueSquares).toBe(900 * 900);
  });

  it("returns visits without orders as zeros", async () => {
    const { rows } = await experimentRows(
      pool,
      { shopId: shopIds.c, timezone: "UTC", experimentKey: EXPERIMENT },
      ["control", "b"],
    );
    expect(rows).toEqual([
      {
        variant: "control",
        day: "2026-11-20",
        sessions: 2,
        convertingSessions: 0,
        orders: 0,
        revenue: 0,
        revenueSquares: 0,
        orderValueSquares: 0,
      },
    ]);
  });
});
