import { prisma, pool } from "~/db.server";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import {
  catchUpHeatmapFully,
  heatmapTestFilter,
  insertEvents,
  insertVisit,
} from "../../test/support/heatmap-rows";
import { webhookRequest } from "../../test/support/shopify";
import type { HeatmapFilter } from "./click-groups.server";
import { heatmapGroups } from "./heatmap-groups.server";
import { catchUpAllHeatmaps } from "./heatmap-rollup-job.server";
import { catchUpHeatmapRollup } from "./heatmap-rollup.server";

const NOON = new Date(Date.UTC(2026, 10, 20, 12));
const WEEK = { from: "2026-11-14", to: "2026-11-20" };

function filter(shopId: string, overrides: Partial<HeatmapFilter> = {}) {
  return heatmapTestFilter(shopId, { range: WEEK, ...overrides });
}

async function cellRows(shopId: string) {
  return prisma.heatmapCell.findMany({
    where: { shopId },
    orderBy: [{ selector: "asc" }, { cellX: "asc" }, { cellY: "asc" }],
  });
}

/** Reads a click map as clicks per "selector offsetX" group. */
async function clicksByCell(shopId: string, overrides = {}) {
  const groups = await heatmapGroups(pool, filter(shopId, overrides));
  return Object.fromEntries(
    groups.map((group) => [
      `${group.selector} ${group.offsetX.toFixed(2)}`,
      group.clicks,
    ]),
  );
}

/**
 * Creates a shop with two customers' visits. Jane clicks the button's left
 * edge three times and its middle once, and Sam clicks the middle twice.
 */
async function shopWithCustomers(domain: string) {
  const shop = await prisma.shop.create({ data: { domain } });
  const jane = await insertVisit(pool, shop.id, { at: NOON });
  const sam = await insertVisit(pool, shop.id, { at: NOON });
  await prisma.visitorSession.update({
    where: { shopId_id: { shopId: shop.id, id: jane.sessionId } },
    data: { customerId: "7001" },
  });
  await prisma.visitorSession.update({
    where: { shopId_id: { shopId: shop.id, id: sam.sessionId } },
    data: { customerId: "7002" },
  });
  await insertEvents(pool, shop.id, jane, [
    { at: NOON, offsetX: 0.02, x: 601 },
    { at: NOON, offsetX: 0.02, x: 603 },
    { at: NOON, offsetX: 0.02, x: 605 },
    { at: NOON, offsetX: 0.52, x: 651 },
    { at: NOON, type: "move", offsetX: 0.3 },
  ]);
  await insertEvents(pool, shop.id, sam, [
    { at: NOON, offsetX: 0.52, x: 653 },
    { at: NOON, offsetX: 0.52, x: 655 },
  ]);
  return { shop, jane, sam };
}

async function redact(domain: string, customerId: number) {
  const response = await customersRedact({
    request: webhookRequest({
      topic: "CUSTOMERS_REDACT",
      shop: domain,
      body: {
        shop_domain: domain,
        customer: { id: customerId },
        orders_to_redact: [],
      },
    }),
    params: {},
    context: {},
  });
  expect(response.status).toBe(200);
}

describe("customer redaction in heatmap cells", () => {
  it("takes exactly the customer's clicks out of the cells", async () => {
    const { shop } = await shopWithCustomers("redact-cells.myshopify.com");
    const other = await shopWithCustomers("redact-other.myshopify.com");
    await catchUpHeatmapFully(pool, shop.id);
    await catchUpHeatmapFully(pool, other.shop.id);
    const otherBefore = await cellRows(other.shop.id);
    expect(await clicksByCell(shop.id)).toEqual({
      "#add-to-cart 0.02": 3,
      "#add-to-cart 0.52": 3,
    });

    await redact(shop.domain, 7001);

    // Jane's three edge clicks and one middle click are gone, Sam's two
    // stay, and so do their mean positions.
    const groups = await heatmapGroups(pool, filter(shop.id));
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ selector: "#add-to-cart", clicks: 2 });
    expect(groups[0].x).toBeCloseTo(654, 9);
    const cells = await cellRows(shop.id);
    expect(
      cells.map(({ kind, cellX, events }) => ({ kind, cellX, events })),
    ).toEqual([{ kind: "click", cellX: 10, events: 2 }]);
    expect(cells[0].sumX).toBeCloseTo(653 + 655, 9);
    expect(await clicksByCell(shop.id, { kind: "move" as const })).toEqual({});
    expect(await cellRows(other.shop.id)).toEqual(otherBefore);
  });

  it("leaves nothing of events the rollup had not reached", async () => {
    const { shop, jane } = await shopWithCustomers("redact-late.myshopify.com");
    await catchUpHeatmapFully(pool, shop.id);
    await insertEvents(pool, shop.id, jane, [
      { at: NOON, offsetX: 0.92 },
      { at: NOON, offsetX: 0.92 },
    ]);

    await redact(shop.domain, 7001);
    await catchUpHeatmapFully(pool, shop.id);

    expect(await clicksByCell(shop.id)).toEqual({ "#add-to-cart 0.52": 2 });
  });

  it("does not take a bot visit out twice", async () => {
    const { shop, jane } = await shopWithCustomers("redact-bot.myshopify.com");
    await catchUpHeatmapFully(pool, shop.id);
    // Flagged as a bot after its clicks were counted: a trigger leaves a
    // mark for the next run to take them out.
    await prisma.visitorSession.update({
      where: { shopId_id: { shopId: shop.id, id: jane.sessionId } },
      data: { isBot: true },
    });
    expect(
      await prisma.heatmapBotSession.count({ where: { shopId: shop.id } }),
    ).toBe(1);

    await redact(shop.domain, 7001);
    await catchUpHeatmapRollup(pool, shop.id);

    expect(await clicksByCell(shop.id)).toEqual({ "#add-to-cart 0.52": 2 });
    const cells = await cellRows(shop.id);
    expect(cells.every((cell) => cell.events > 0)).toBe(true);
  });

  it("skips bot visits whose mark was already taken", async () => {
    const { shop, jane } = await shopWithCustomers("redact-gone.myshopify.com");
    await prisma.visitorSession.update({
      where: { shopId_id: { shopId: shop.id, id: jane.sessionId } },
      data: { isBot: true },
    });
    await catchUpHeatmapFully(pool, shop.id);

    await redact(shop.domain, 7001);

    const cells = await cellRows(shop.id);
    expect(cells.map((cell) => cell.events)).toEqual([2]);
  });
});

describe("time zone change", () => {
  it("moves a click near midnight to its new local day", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "zone-change.myshopify.com", timezone: "UTC" },
    });
    const lateEvening = new Date(Date.UTC(2026, 10, 19, 23, 30));
    const visit = await insertVisit(pool, shop.id, { at: lateEvening });
    await insertEvents(pool, shop.id, visit, [
      { at: lateEvening, offsetX: 0.5 },
      { at: NOON, offsetX: 0.1 },
    ]);
    await catchUpHeatmapFully(pool, shop.id);
    const days = async () =>
      (await cellRows(shop.id)).map((cell) => [
        cell.day.toISOString().slice(0, 10),
        cell.cellX,
      ]);
    expect(await days()).toEqual([
      ["2026-11-20", 2],
      ["2026-11-19", 10],
    ]);

    // 23:30 UTC is 00:30 the next day in Berlin.
    await prisma.shop.update({
      where: { id: shop.id },
      data: { timezone: "Europe/Berlin" },
    });
    await catchUpHeatmapFully(pool, shop.id);

    expect(await days()).toEqual([
      ["2026-11-20", 2],
      ["2026-11-20", 10],
    ]);
    const oneDay = { from: "2026-11-20", to: "2026-11-20" };
    const berlin = { timezone: "Europe/Berlin", range: oneDay };
    expect(await clicksByCell(shop.id, berlin)).toEqual({
      "#add-to-cart 0.10": 1,
      "#add-to-cart 0.50": 1,
    });
    const cursor = await prisma.heatmapRollupCursor.findUniqueOrThrow({
      where: { shopId: shop.id },
    });
    expect(cursor.timezone).toBe("Europe/Berlin");
  });

  it("rebuilds from the job without new events", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "zone-job.myshopify.com", timezone: "UTC" },
    });
    const visit = await insertVisit(pool, shop.id, { at: NOON });
    await insertEvents(pool, shop.id, visit, [{ at: NOON }]);
    await catchUpHeatmapFully(pool, shop.id);

    await prisma.shop.update({
      where: { id: shop.id },
      data: { timezone: "Pacific/Kiritimati" },
    });
    await catchUpAllHeatmaps(pool);

    const cursor = await prisma.heatmapRollupCursor.findUniqueOrThrow({
      where: { shopId: shop.id },
    });
    expect(cursor.timezone).toBe("Pacific/Kiritimati");
    await catchUpHeatmapFully(pool, shop.id);
    const [cell] = await cellRows(shop.id);
    expect(cell.day.toISOString().slice(0, 10)).toBe("2026-11-21");
  });

  it("leaves another shop's cells alone", async () => {
    const moved = await prisma.shop.create({
      data: { domain: "zone-moved.myshopify.com", timezone: "UTC" },
    });
    const stays = await prisma.shop.create({
      data: { domain: "zone-stays.myshopify.com", timezone: "UTC" },
    });
    for (const shop of [moved, stays]) {
      const visit = await insertVisit(pool, shop.id, { at: NOON });
      await insertEvents(pool, shop.id, visit, [{ at: NOON }]);
      await catchUpHeatmapFully(pool, shop.id);
    }
    const before = await cellRows(stays.id);

    await prisma.shop.update({
      where: { id: moved.id },
      data: { timezone: "Pacific/Kiritimati" },
    });
    await catchUpHeatmapFully(pool, moved.id);
    await catchUpHeatmapFully(pool, stays.id);

    expect(await cellRows(stays.id)).toEqual(before);
    const [cell] = await cellRows(moved.id);
    expect(cell.day.toISOString().slice(0, 10)).toBe("2026-11-21");
  });
});
