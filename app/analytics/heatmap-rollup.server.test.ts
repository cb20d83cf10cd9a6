import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import {
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import {
  catchUpHeatmapFully,
  heatmapTestFilter,
  insertEvents,
  insertVisit,
} from "../../test/support/heatmap-rows";
import type { HeatmapFilter } from "./click-groups.server";
import { rawHeatmapGroups } from "./click-groups.server";
import { heatmapGroups } from "./heatmap-groups.server";
import { catchUpAllHeatmaps } from "./heatmap-rollup-job.server";
import { catchUpHeatmapRollup } from "./heatmap-rollup.server";
import { bandOf } from "./viewport-bands";

const logger = pino({ level: "silent" });
const NOON = new Date(Date.UTC(2026, 10, 20, 12));
const WEEK = { from: "2026-11-14", to: "2026-11-20" };

async function newShop(domain: string, timezone = "UTC") {
  return prisma.shop.create({ data: { domain, timezone } });
}

async function cells(shopId: string) {
  return prisma.heatmapCell.findMany({
    where: { shopId, events: { gt: 0 } },
    orderBy: [{ day: "asc" }, { selector: "asc" }, { cellX: "asc" }],
  });
}

function filter(shopId: string, overrides: Partial<HeatmapFilter> = {}) {
  return heatmapTestFilter(shopId, { range: WEEK, ...overrides });
}

describe("heatmap rollup", () => {
  it("counts clicks per day, band, element and cell", async () => {
    const shop = await newShop("cells.myshopify.com");
    const visit = await insertVisit(pool, shop.id, { at: NOON });
    await insertEvents(pool, shop.id, visit, [
      { at: NOON, offsetX: 0.51, offsetY: 0.52, x: 700, y: 400 },
      { at: NOON, offsetX: 0.53, offsetY: 0.54, x: 710, y: 410 },
      { at: NOON, offsetX: 0.01, offsetY: 0.99, selector: "#logo" },
      { at: NOON, type: "move", offsetX: 0.2, offsetY: 0.2 },
    ]);

    await catchUpHeatmapFully(pool, shop.id);

    const rows = await cells(shop.id);
    expect(rows).toHaveLength(3);
    const addToCart = rows.find(
      (row) => row.selector === "#add-to-cart" && row.kind === "click",
    )!;
    expect(addToCart).toMatchObject({
      band: "1440-1919",
      device: "desktop",
      cellX: 10,
      cellY: 10,
      events: 2,
      sumX: 1410,
      sumY: 810,
    });
    expect(addToCart.day.toISOString().slice(0, 10)).toBe("2026-11-20");
    expect(addToCart.sumOffsetX).toBeCloseTo(1.04, 10);
    expect(rows.find((row) => row.selector === "#logo")).toMatchObject({
      cellX: 0,
      cellY: 19,
      events: 1,
    });
    expect(rows.find((row) => row.kind === "move")).toMatchObject({
      cellX: 4,
      cellY: 4,
      events: 1,
    });
  });

  it("keeps two viewport bands apart", async () => {
    const shop = await newShop("bands.myshopify.com");
    const wide = await insertVisit(pool, shop.id, {
      at: NOON,
      viewportWidth: 1440,
    });
    const laptop = await insertVisit(pool, shop.id, {
      at: NOON,
      viewportWidth: 1366,
    });
    const phone = await insertVisit(pool, shop.id, {
      at: NOON,
      device: "mobile",
      viewportWidth: 375,
    });
    await insertEvents(pool, shop.id, wide, [
      { at: NOON, viewportWidth: 1440, selector: "#buy", offsetX: 0.9 },
      { at: NOON, viewportWidth: 1440, selector: "#buy", offsetX: 0.9 },
      { at: NOON, viewportWidth: 1440, selector: "#buy", offsetX: 0.9 },
    ]);
    await insertEvents(pool, shop.id, laptop, [
      { at: NOON, viewportWidth: 1366, selector: "#buy", offsetX: 0.1 },
      { at: NOON, viewportWidth: 1366, selector: "#menu", offsetX: 0.5 },
    ]);
    await insertEvents(pool, shop.id, phone, [
      {
        at: NOON,
        device: "mobile",
        viewportWidth: 375,
        selector: "#buy",
        offsetX: 0.5,
      },
    ]);

    await catchUpHeatmapFully(pool, shop.id);

    const wideMap = await heatmapGroups(pool, filter(shop.id));
    expect(wideMap).toEqual([
      {
        selector: "#buy",
        fixed: false,
        offsetX: 0.9,
        offsetY: 0.5,
        clicks: 3,
        x: 700,
        y: 400,
      },
    ]);
    const laptopMap = await heatmapGroups(
      pool,
      filter(shop.id, { band: bandOf(1366) }),
    );
    expect(laptopMap.map((g) => [g.selector, g.offsetX, g.clicks])).toEqual([
      ["#buy", 0.1, 1],
      ["#menu", 0.5, 1],
    ]);
    const phoneMap = await heatmapGroups(
      pool,
      filter(shop.id, { device: "mobile", band: bandOf(375) }),
    );
    expect(phoneMap.map((g) => [g.selector, g.offsetX, g.clicks])).toEqual([
      ["#buy", 0.5, 1],
    ]);
    const phoneInDesktopBand = await heatmapGroups(
      pool,
      filter(shop.id, { device: "mobile", band: bandOf(1440) }),
    );
    expect(phoneInDesktopBand).toEqual([]);
  });

  it("keeps two shops apart", async () => {
    const first = await newShop("first-side.myshopify.com");
    const second = await newShop("second-side.myshopify.com");
    const a = await insertVisit(pool, first.id, { at: NOON });
    const b = await insertVisit(pool, second.id, { at: NOON });
    await insertEvents(pool, first.id, a, [{ at: NOON }, { at: NOON }]);
    await insertEvents(pool, second.id, b, [{ at: NOON, selector: "#other" }]);

    await catchUpHeatmapFully(pool, first.id);
    await catchUpHeatmapFully(pool, second.id);

    const firstMap = await heatmapGroups(pool, filter(first.id));
    const secondMap = await heatmapGroups(pool, filter(second.id));
    expect(firstMap.map((g) => [g.selector, g.clicks])).toEqual([
      ["#add-to-cart", 2],
    ]);
    expect(secondMap.map((g) => [g.selector, g.clicks])).toEqual([
      ["#other", 1],
    ]);
    expect((await cells(first.id)).map((row) => row.events)).toEqual([2]);
    expect((await cells(second.id)).map((row) => row.events)).toEqual([1]);
  });

  it("files late events under their own day", async () => {
    const shop = await newShop("late.myshopify.com", "America/New_York");
    const visit = await insertVisit(pool, shop.id, { at: NOON });
    await insertEvents(pool, shop.id, visit, [{ at: NOON }]);
    await catchUpHeatmapFully(pool, shop.id);

    // Arrives after the cursor passed the 20th: 02:00 UTC on the 15th is
    // still the 14th in New York.
    const late = new Date(Date.UTC(2026, 10, 15, 2));
    await insertEvents(pool, shop.id, visit, [{ at: late }, { at: late }]);
    await catchUpHeatmapFully(pool, shop.id);

    const rows = await cells(shop.id);
    expect(
      rows.map((row) => [row.day.toISOString().slice(0, 10), row.events]),
    ).toEqual([
      ["2026-11-14", 2],
      ["2026-11-20", 1],
    ]);
    const onlyThe14th = await heatmapGroups(
      pool,
      filter(shop.id, {
        timezone: "America/New_York",
        range: { from: "2026-11-14", to: "2026-11-14" },
      }),
    );
    expect(onlyThe14th.map((g) => g.clicks)).toEqual([2]);
  });

  it("leaves bot sessions out, also when flagged later", async () => {
    const shop = await newShop("bots.myshopify.com");
    const human = await insertVisit(pool, shop.id, { at: NOON });
    const bot = await insertVisit(pool, shop.id, { at: NOON, isBot: true });
    const lateBot = await insertVisit(pool, shop.id, { at: NOON });
    await insertEvents(pool, shop.id, human, [{ at: NOON }]);
    await insertEvents(pool, shop.id, bot, [{ at: NOON }, { at: NOON }]);
    await insertEvents(pool, shop.id, lateBot, [
      { at: NOON },
      { at: NOON, selector: "#late" },
    ]);
    await catchUpHeatmapFully(pool, shop.id);
    expect((await cells(shop.id)).map((r) => [r.selector, r.events])).toEqual([
      ["#add-to-cart", 2],
      ["#late", 1],
    ]);

    await pool.query(
      `UPDATE "VisitorSession" SET "isBot" = true WHERE "shopId" = $1 AND id = $2`,
      [shop.id, lateBot.sessionId],
    );
    const run = await catchUpHeatmapRollup(pool, shop.id);

    expect(run.botSessions).toBe(1);
    expect((await cells(shop.id)).map((r) => [r.selector, r.events])).toEqual([
      ["#add-to-cart", 1],
    ]);
    const map = await heatmapGroups(pool, filter(shop.id));
    expect(map.map((g) => [g.selector, g.clicks, g.x])).toEqual([
      ["#add-to-cart", 1, 700],
    ]);
  });

  it("adds nothing twice on re-runs and retried batches", async () => {
    const shop = await newShop("retry.myshopify.com");
    const page = makePage({ startedAt: NOON.getTime() });
    const batch = makeBatch("retry.myshopify.com", {
      sentAt: NOON.getTime() + 5000,
      pages: [page],
      events: [makeClick(page), makeClick(page, { selector: "#size" })],
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await handleBatch(
        postJson("https://storelens.test/collect", batch),
        { pool, logger, now: () => new Date(batch.sentAt) },
      );
      expect(response.status).toBe(200);
    }

    await catchUpHeatmapFully(pool, shop.id);
    const before = await cells(shop.id);
    for (let run = 0; run < 3; run++) {
      await catchUpHeatmapRollup(pool, shop.id);
    }

    expect(await cells(shop.id)).toEqual(before);
    expect(before.map((row) => [row.selector, row.events])).toEqual([
      ["#add-to-cart", 1],
      ["#size", 1],
    ]);
  });

  it("returns an empty map for a shop without events", async () => {
    const shop = await newShop("empty.myshopify.com");

    const run = await catchUpHeatmapRollup(pool, shop.id);
    const map = await heatmapGroups(pool, filter(shop.id));

    expect(run).toEqual({ ran: true, events: 0, botSessions: 0, more: false });
    expect(map).toEqual([]);
    expect(await cells(shop.id)).toEqual([]);
  });

  it("counts events past the cursor at read time", async () => {
    const shop = await newShop("fresh.myshopify.com");
    const visit = await insertVisit(pool, shop.id, { at: NOON });
    await insertEvents(pool, shop.id, visit, [{ at: NOON }]);
    await catchUpHeatmapFully(pool, shop.id);
    await insertEvents(pool, shop.id, visit, [{ at: NOON }, { at: NOON }]);

    // The read's own catch-up cannot add these yet: their ids are past the
    // horizon it had recorded.
    const map = await heatmapGroups(pool, filter(shop.id));

    expect(map.map((g) => g.clicks)).toEqual([3]);
    expect((await cells(shop.id)).map((row) => row.events)).toEqual([1]);
  });

  it("reads the same groups as a raw scan", async () => {
    const shop = await newShop("same.myshopify.com");
    const selectors = ["#buy", "#size", "#logo", "#menu"];
    for (let v = 0; v < 12; v++) {
      const at = new Date(NOON.getTime() - (v % 5) * 86_400_000);
      const visit = await insertVisit(pool, shop.id, {
        at,
        isBot: v === 7,
      });
      await insertEvents(
        pool,
        shop.id,
        visit,
        Array.from({ length: 25 }, (_, i) => ({
          at,
          type: i % 4 === 0 ? ("move" as const) : ("click" as const),
          selector: selectors[(v + i) % 4],
          offsetX: ((v * 7 + i * 13) % 100) / 100,
          offsetY: ((v * 3 + i * 17) % 100) / 100,
          x: 100 + i * 10,
          y: 50 + v * 20,
          fixed: i % 9 === 0,
          viewportWidth: i % 3 === 0 ? 1280 : 1440,
        })),
      );
    }
    await catchUpHeatmapFully(pool, shop.id);

    for (const kind of ["click", "move"] as const) {
      for (const width of [1280, 1440]) {
        const scope = filter(shop.id, { kind, band: bandOf(width) });
        const fromRollup = await heatmapGroups(pool, scope);
        const fromRaw = await rawHeatmapGroups(pool, scope);
        expect(fromRollup.length).toBeGreaterThan(0);
        expect(fromRollup.map((g) => [g.selector, g.clicks])).toEqual(
          fromRaw.map((g) => [g.selector, g.clicks]),
        );
        fromRollup.forEach((group, i) => {
          expect(group.offsetX).toBeCloseTo(fromRaw[i].offsetX, 9);
          expect(group.y).toBeCloseTo(fromRaw[i].y, 9);
        });
      }
    }
  });

  it("waits for a batch still being written", async () => {
    const shop = await newShop("in-flight.myshopify.com");
    const visit = await insertVisit(pool, shop.id, { at: NOON });
    await catchUpHeatmapRollup(pool, shop.id);
    // Like an ingest batch: the transaction has an id before it takes an
    // event id, then stays open while a later batch commits.
    const writer = await pool.connect();
    try {
      await writer.query("BEGIN");
      await writer.query("SELECT pg_current_xact_id()");
      const early = await writer.query<{ id: string }>(
        `INSERT INTO "InteractionEvent"
           ("shopId", "pageViewId", "sessionId", type, "occurredAt",
            "clientAt", path, device, "viewportWidth", "viewportHeight",
            x, y, selector, "offsetX", "offsetY", fixed, "batchId")
         VALUES ($1, $2, $3, 'click', $4, $4, '/products/shirt', 'desktop',
                 1440, 900, 700, 400, '#early', 0.5, 0.5, false,
                 gen_random_uuid())
         RETURNING id`,
        [shop.id, visit.pageViewId, visit.sessionId, NOON],
      );
      await insertEvents(pool, shop.id, visit, [
        { at: NOON, selector: "#late" },
      ]);
      for (let run = 0; run < 5; run++) {
        await catchUpHeatmapRollup(pool, shop.id);
      }

      const cursor = await prisma.heatmapRollupCursor.findUniqueOrThrow({
        where: { shopId: shop.id },
      });
      expect(cursor.lastEventId < BigInt(early.rows[0].id)).toBe(true);
      const duringWrite = await heatmapGroups(pool, filter(shop.id));
      expect(duringWrite.map((g) => [g.selector, g.clicks])).toEqual([
        ["#late", 1],
      ]);
      await writer.query("COMMIT");
    } finally {
      writer.release();
    }

    await catchUpHeatmapFully(pool, shop.id);

    expect((await cells(shop.id)).map((r) => [r.selector, r.events])).toEqual([
      ["#early", 1],
      ["#late", 1],
    ]);
    const map = await heatmapGroups(pool, filter(shop.id));
    expect(map.map((g) => [g.selector, g.clicks])).toEqual([
      ["#early", 1],
      ["#late", 1],
    ]);
  });

  it("catches up every shop from the job", async () => {
    const first = await newShop("job-one.myshopify.com");
    const second = await newShop("job-two.myshopify.com");
    for (const shop of [first, second]) {
      const visit = await insertVisit(pool, shop.id, { at: NOON });
      await insertEvents(pool, shop.id, visit, [{ at: NOON }, { at: NOON }]);
    }

    // The first job run only records horizons; later runs add the events.
    for (let run = 0; run < 100; run++) {
      await catchUpAllHeatmaps(pool);
      const rolled = await prisma.heatmapCell.count({
        where: { shopId: { in: [first.id, second.id] } },
      });
      if (rolled === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    expect((await cells(first.id)).map((row) => row.events)).toEqual([2]);
    expect((await cells(second.id)).map((row) => row.events)).toEqual([2]);
  });
});
