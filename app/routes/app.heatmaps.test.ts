import { prisma, pool } from "~/db.server";
import { insertEvents, insertVisit } from "../../test/support/heatmap-rows";
import { adminRequest, storeOfflineSession } from "../../test/support/shopify";
import { loader } from "./app.heatmaps";

const SHOP = "maps.myshopify.com";
const PATH = "/products/shirt";
// Two hours ago, so the default range (the last seven days) covers it.
const NOW = new Date(Date.now() - 2 * 3_600_000);

function load(query: string) {
  return loader({
    request: adminRequest(SHOP, `/app/heatmaps?path=${PATH}&${query}`),
    params: {},
    context: {},
  });
}

beforeAll(async () => {
  const shop = await prisma.shop.create({ data: { domain: SHOP } });
  await storeOfflineSession(SHOP);
  // Two laptop visits and one wide one: the laptop band is the busiest.
  for (const width of [1366, 1366, 1536]) {
    const visit = await insertVisit(pool, shop.id, {
      at: NOW,
      viewportWidth: width,
    });
    await insertEvents(pool, shop.id, visit, [
      { at: NOW, viewportWidth: width, selector: `#click-${width}` },
      {
        at: NOW,
        type: "move",
        viewportWidth: width,
        selector: `#move-${width}`,
        offsetX: 0.25,
      },
      {
        at: NOW,
        type: "move",
        viewportWidth: width,
        selector: `#move-${width}`,
        offsetX: 0.26,
      },
    ]);
  }
  const phone = await insertVisit(pool, shop.id, {
    at: NOW,
    device: "mobile",
    viewportWidth: 390,
  });
  await insertEvents(pool, shop.id, phone, [
    { at: NOW, device: "mobile", viewportWidth: 390, selector: "#tap" },
  ]);
});

describe("heatmaps loader", () => {
  it("defaults to the busiest band", async () => {
    const data = await load("mode=clicks");

    expect(data.heatmap!.band).toBe("1280-1439");
    expect(data.heatmap!.bands.map((b) => [b.id, b.pageViews])).toEqual([
      ["1280-1439", 2],
      ["1440-1919", 1],
      ["1024-1279", 0],
      ["1920+", 0],
    ]);
    expect(
      data.heatmap!.clickGroups.map((g) => [g.selector, g.clicks]),
    ).toEqual([["#click-1366", 2]]);
  });

  it("draws moves of the chosen band only", async () => {
    const data = await load("mode=moves&band=1440-1919");

    expect(data.tab).toBe("moves");
    expect(data.mode).toBe("clicks");
    expect(data.heatmap!.band).toBe("1440-1919");
    expect(data.heatmap!.clickGroups).toEqual([
      {
        selector: "#move-1536",
        fixed: false,
        offsetX: 0.255,
        offsetY: 0.5,
        clicks: 2,
        x: 700,
        y: 400,
      },
    ]);
    expect(data.heatmap!.topElements).toEqual([
      { selector: "#move-1536", clicks: 2, share: 1 },
    ]);
  });

  it("has no moves on touch devices", async () => {
    const data = await load("mode=moves&device=mobile");

    expect(data.heatmap!.band).toBe("360-399");
    expect(data.heatmap!.clickGroups).toEqual([]);
  });

  it("ignores a band of another device", async () => {
    const data = await load("mode=clicks&device=mobile&band=1440-1919");

    expect(data.heatmap!.band).toBe("360-399");
    expect(data.heatmap!.clickGroups.map((g) => g.selector)).toEqual(["#tap"]);
  });

  it("lists clicked elements on the conversion tab", async () => {
    const data = await load("mode=conversion");

    expect(data.mode).toBe("elements");
    expect(
      data.heatmap!.elements.map((e) => [e.selector, e.sessions, e.tooSmall]),
    ).toEqual([["#click-1366", 2, true]]);
  });
});
