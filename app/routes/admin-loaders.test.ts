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
  adminRequest,
  sessionToken,
  storeOfflineSession,
} from "../../test/support/shopify";
import { loader as layoutLoader } from "./app";
import { loader as frictionLoader } from "./app.friction";
import { loader as heatmapsLoader } from "./app.heatmaps";
import { loader as overviewLoader } from "./app._index";
import { loader as revenueLoader } from "./app.revenue";

const SHOP_A = "tenant-a.myshopify.com";
const SHOP_B = "tenant-b.myshopify.com";
// Two hours ago, so the overview's "last 7 days" covers the fixtures.
const DAY = Date.now() - 2 * 3_600_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function send(
  shop: string,
  path: string,
  clicks: number,
  selector: string,
) {
  const page = makePage({ path, startedAt: DAY });
  const batch = makeBatch(shop, {
    sentAt: DAY + 60_000,
    pages: [page],
    events: Array.from({ length: clicks }, (_, i) =>
      makeClick(page, { at: DAY + 1000 + i, selector }),
    ),
  });
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    {
      pool,
      logger: pino({ level: "silent" }),
      now: () => new Date(DAY + 60_000),
    },
  );
  expect(response.status).toBe(200);
}

function call<T>(loader: (args: any) => Promise<T>, request: Request) {
  return loader({ request, params: {}, context: {} });
}

const RANGE = `from=${dayOf(DAY - 86_400_000)}&to=${dayOf(DAY + 86_400_000)}`;

beforeAll(async () => {
  for (const domain of [SHOP_A, SHOP_B]) {
    await prisma.shop.create({ data: { domain, firstEventAt: new Date() } });
    await storeOfflineSession(domain);
  }
  await send(SHOP_A, "/products/shared", 3, "#buy-a");
  await send(SHOP_B, "/products/shared", 5, "#buy-b");
  await send(SHOP_B, "/pages/only-b", 2, "#secret-b");
});

describe("admin loaders are scoped to the session's shop", () => {
  it("heatmap pages list only the shop's own paths", async () => {
    const data = await call(
      heatmapsLoader,
      adminRequest(SHOP_A, `/app/heatmaps?${RANGE}`),
    );
    expect(data.pages.map((page) => page.path)).toEqual(["/products/shared"]);
  });

  it("a shared path shows only the shop's own clicks", async () => {
    const data = await call(
      heatmapsLoader,
      adminRequest(SHOP_A, `/app/heatmaps?path=/products/shared&${RANGE}`),
    );
    const selectors = data.heatmap!.clickGroups.map((group) => group.selector);
    expect(selectors).toEqual(["#buy-a"]);
    expect(data.heatmap!.clickGroups[0].clicks).toBe(3);
  });

  it("another shop's path in the query string returns nothing", async () => {
    const data = await call(
      heatmapsLoader,
      adminRequest(SHOP_A, `/app/heatmaps?path=/pages/only-b&${RANGE}`),
    );
    expect(data.heatmap!.clickGroups).toEqual([]);
    expect(data.heatmap!.scroll.pageViews).toBe(0);
  });

  it("a shop id in the query string is ignored", async () => {
    const shopB = await prisma.shop.findUniqueOrThrow({
      where: { domain: SHOP_B },
    });
    const data = await call(
      heatmapsLoader,
      adminRequest(
        SHOP_A,
        `/app/heatmaps?path=/products/shared&shop=${SHOP_B}&shopId=${shopB.id}&${RANGE}`,
      ),
    );
    expect(data.heatmap!.clickGroups.map((g) => g.selector)).toEqual([
      "#buy-a",
    ]);
  });

  it("overview counts only the shop's own events", async () => {
    const a = await call(overviewLoader, adminRequest(SHOP_A, "/app"));
    const b = await call(overviewLoader, adminRequest(SHOP_B, "/app"));
    expect(a.overview.clicks).toBe(3);
    expect(b.overview.clicks).toBe(7);
    expect(a.overview.pageViews).toBe(1);
    expect(b.overview.pageViews).toBe(2);
    expect(a.overview.topPages.map((page) => page.path)).toEqual([
      "/products/shared",
    ]);
    expect(a.themeEditorUrl).toContain(
      `https://${SHOP_A}/admin/themes/current/editor`,
    );
    expect(b.themeEditorUrl).toContain(`https://${SHOP_B}/`);
    expect(a.receiving).toBe(true);
  });

  // Every app.* route loader: what shop A sees never names shop B's paths
  // or selectors, whatever shop id the query string carries.
  const everyLoader = [
    ["app", layoutLoader, "/app"],
    ["app._index", overviewLoader, "/app"],
    ["app.heatmaps", heatmapsLoader, "/app/heatmaps?path=/products/shared"],
    ["app.friction", frictionLoader, "/app/friction"],
    ["app.revenue", revenueLoader, "/app/revenue"],
  ] as const;
  it.each(everyLoader)("%s shows nothing of shop B", async (_, loader, url) => {
    const shopB = await prisma.shop.findUniqueOrThrow({
      where: { domain: SHOP_B },
    });
    const query = `${url.includes("?") ? "&" : "?"}${RANGE}&shop=${SHOP_B}&shopId=${shopB.id}`;
    const asA = JSON.stringify(
      await call(
        loader as (args: any) => Promise<unknown>,
        adminRequest(SHOP_A, url + query),
      ),
    );
    const asB = JSON.stringify(
      await call(
        loader as (args: any) => Promise<unknown>,
        adminRequest(SHOP_B, url + query),
      ),
    );
    for (const marker of ["only-b", "#buy-b", "#secret-b", SHOP_B, shopB.id]) {
      expect(asA).not.toContain(marker);
    }
    expect(asB).not.toContain("#buy-a");
    expect(asB).not.toContain(SHOP_A);
  });

  it("rejects a session token signed with another secret", async () => {
    const request = new Request(`${process.env.SHOPIFY_APP_URL}/app/heatmaps`, {
      headers: { Authorization: `Bearer ${sessionToken(SHOP_A, "wrong")}` },
    });
    const thrown = await call(heatmapsLoader, request).catch((error) => error);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(401);
  });

  it("rejects a request without a session token", async () => {
    const request = new Request(`${process.env.SHOPIFY_APP_URL}/app/heatmaps`);
    const thrown = await call(heatmapsLoader, request).catch((error) => error);
    expect(thrown).toBeInstanceOf(Response);
    expect([302, 401]).toContain((thrown as Response).status);
  });
});
