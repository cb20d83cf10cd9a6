import pino from "pino";
import { prisma, pool } from "~/db.server";
import { signalGroups } from "~/analytics/signal-groups.server";
import { bandOf } from "~/analytics/viewport-bands";
import { handleBatch } from "~/ingest/handle-batch.server";
import { listRecordings } from "~/replay/recordings-list.server";
import {
  NO_EFFECT,
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import { detectFriction } from "./detect-friction.server";
import { frictionGroups } from "./friction-groups.server";
import { signalPlaces } from "./friction-details.server";
import { frictionReport } from "./friction-report.server";
import { saveExcludedSelectors } from "./friction-settings.server";

const T = Date.UTC(2026, 10, 20, 12);
const MINUTE = 60_000;
const RANGE = { from: "2026-11-19", to: "2026-11-21" };
const GALLERY = "#gallery > img:nth-of-type(2)";

/**
 * Sends a visit with a rage burst of three dead clicks on the gallery and
 * one dead click on the size chart, stores a recording of it and runs
 * detection. Returns the visit's session id.
 */
async function frictionVisit(domain: string, shopId: string, at: number) {
  const page = makePage({ path: "/products/kettle", startedAt: at });
  const clicks = [
    { at: at + 1000, selector: GALLERY },
    { at: at + 1200, selector: GALLERY },
    { at: at + 1400, selector: GALLERY },
    { at: at + 5000, selector: "#size-chart" },
  ];
  const batch = makeBatch(domain, {
    sentAt: at + 10_000,
    pages: [page],
    events: clicks.map((click) =>
      makeClick(page, { ...click, outcome: NO_EFFECT }),
    ),
  });
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    {
      pool,
      logger: pino({ level: "silent" }),
      now: () => new Date(at + 10_000),
    },
  );
  expect(response.status).toBe(200);
  await pool.query(
    `INSERT INTO "Recording" ("shopId", "sessionId", reason, "clockOffsetMs",
       "startedAt", "endedAt", "updatedAt")
     VALUES ($1, $2, 'friction', 0, $3, $4, now())`,
    [shopId, batch.sessionId, new Date(at), new Date(at + MINUTE)],
  );
  await detectFriction(pool, shopId, new Date(at + MINUTE));
  return batch.sessionId;
}

/** Collects what each admin view shows of a shop's rage and dead clicks. */
async function shown(shopId: string) {
  const filter = { shopId, timezone: "UTC", range: RANGE };
  const map = { ...filter, path: "/products/kettle", device: "desktop" };
  const [report, places, rageGroups, deadMap, recordings, rageRecordings] =
    await Promise.all([
      frictionReport(pool, filter),
      signalPlaces(pool, filter),
      frictionGroups(pool, { ...map, kind: "rage-click" }),
      signalGroups(pool, { ...map, band: bandOf(1440), kind: "dead-click" }),
      listRecordings(pool, { ...filter, range: RANGE, filters: RANGE }),
      listRecordings(pool, {
        ...filter,
        range: RANGE,
        filters: { ...RANGE, signal: "rage-click", selector: GALLERY },
      }),
    ]);
  return {
    report: report.impacts
      .map((impact) => `${impact.kind} ${impact.affectedSessions}`)
      .sort(),
    places: places
      .filter((place) => place.kind.endsWith("-click"))
      .map((place) => `${place.kind} ${place.selector} ${place.signals}`)
      .sort(),
    rageGroups: rageGroups.map((group) => group.selector).sort(),
    deadMap: deadMap.map((group) => `${group.selector} ${group.clicks}`).sort(),
    recordings: recordings.rows
      .map((row) => `${row.rageClicks} rage ${row.deadClicks} dead`)
      .sort(),
    rageRecordings: rageRecordings.total,
  };
}

async function newShop(domain: string) {
  return prisma.shop.create({ data: { domain } });
}

describe("excluded elements", () => {
  it("hides signals everywhere and brings them back", async () => {
    const shop = await newShop("exclude-a.myshopify.com");
    const other = await newShop("exclude-b.myshopify.com");
    await frictionVisit(shop.domain, shop.id, T);
    await frictionVisit(other.domain, other.id, T);
    const before = await shown(shop.id);
    const otherBefore = await shown(other.id);
    expect(before.places).toEqual([
      `dead-click ${GALLERY} 3`,
      "dead-click #size-chart 1",
      `rage-click ${GALLERY} 1`,
    ]);
    expect(before.rageRecordings).toBe(1);

    const hidden = await saveExcludedSelectors(pool, shop.id, ["#gallery *"]);

    expect(hidden).toEqual({ hidden: 4, restored: 0 });
    expect(await shown(shop.id)).toEqual({
      report: ["dead-click 1"],
      places: ["dead-click #size-chart 1"],
      rageGroups: [],
      deadMap: ["#size-chart 1"],
      recordings: ["0 rage 1 dead"],
      rageRecordings: 0,
    });
    expect(await shown(other.id)).toEqual(otherBefore);

    const restored = await saveExcludedSelectors(pool, shop.id, []);

    expect(restored).toEqual({ hidden: 0, restored: 4 });
    expect(await shown(shop.id)).toEqual(before);
    expect(await shown(other.id)).toEqual(otherBefore);
  });

  it("keeps detecting excluded elements", async () => {
    const shop = await newShop("exclude-detect.myshopify.com");
    await saveExcludedSelectors(pool, shop.id, ["#gallery *"]);

    await frictionVisit(shop.domain, shop.id, T);

    expect((await shown(shop.id)).places).toEqual(["dead-click #size-chart 1"]);
    expect(
      await prisma.excludedFrictionSignal.count({ where: { shopId: shop.id } }),
    ).toBe(4);
    expect(await saveExcludedSelectors(pool, shop.id, [])).toEqual({
      hidden: 0,
      restored: 4,
    });
    expect((await shown(shop.id)).places).toEqual([
      `dead-click ${GALLERY} 3`,
      "dead-click #size-chart 1",
      `rage-click ${GALLERY} 1`,
    ]);
  });

  it("moves only what the new list changes", async () => {
    const shop = await newShop("exclude-swap.myshopify.com");
    await frictionVisit(shop.domain, shop.id, T);
    await saveExcludedSelectors(pool, shop.id, [GALLERY]);

    const swapped = await saveExcludedSelectors(pool, shop.id, ["#size-chart"]);

    expect(swapped).toEqual({ hidden: 1, restored: 4 });
    expect((await shown(shop.id)).places).toEqual([
      `dead-click ${GALLERY} 3`,
      `rage-click ${GALLERY} 1`,
    ]);
  });

  it("deletes aside signals with the customer's visit", async () => {
    const shop = await newShop("exclude-redact.myshopify.com");
    const sessionId = await frictionVisit(shop.domain, shop.id, T);
    await prisma.visitorSession.update({
      where: { shopId_id: { shopId: shop.id, id: sessionId } },
      data: { customerId: "9001" },
    });
    await saveExcludedSelectors(pool, shop.id, ["#gallery *"]);

    const { redactCustomer } = await import("~/shops.server");
    expect(await redactCustomer(shop.domain, "9001")).toBe(1);

    expect(
      await prisma.excludedFrictionSignal.count({ where: { shopId: shop.id } }),
    ).toBe(0);
    expect(await saveExcludedSelectors(pool, shop.id, [])).toEqual({
      hidden: 0,
      restored: 0,
    });
  });
});
