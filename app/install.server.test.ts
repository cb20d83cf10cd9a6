import { prisma } from "~/db.server";
import { settleBackfills } from "~/orders/backfill.server";
import { unauthenticated } from "~/shopify.server";
import {
  startAdminApiStandIn,
  type AdminApiStandIn,
} from "../test/support/admin-api-stand-in";
import { storeOfflineSession } from "../test/support/shopify";
import { installShop } from "./install.server";

const DOMAIN = "fernwood.myshopify.com";
const APP_URL = "https://storelens.test";

let standIn: AdminApiStandIn;
let restoreFetch: () => void;

beforeAll(async () => {
  standIn = await startAdminApiStandIn();
  restoreFetch = standIn.install();
  await storeOfflineSession(DOMAIN);
  const session = await prisma.session.findUniqueOrThrow({
    where: { id: `offline_${DOMAIN}` },
  });
  standIn.addShop(DOMAIN, session.accessToken, [], {
    name: "Fernwood",
    email: "owner@fernwood.example",
    ianaTimezone: "Europe/Berlin",
    currencyCode: "EUR",
    primaryDomain: "https://fernwood.example",
    domains: ["https://fernwood.example", "https://fernwood.de"],
  });
});

afterAll(async () => {
  restoreFetch();
  await standIn.stop();
});

async function install() {
  const { admin } = await unauthenticated.admin(DOMAIN);
  await installShop(DOMAIN, admin, APP_URL);
  await settleBackfills();
}

describe("installShop", () => {
  it("records the shop, its origins, the ingest URL and the pixel", async () => {
    await install();
    const shop = await prisma.shop.findUniqueOrThrow({
      where: { domain: DOMAIN },
    });
    expect(shop.name).toBe("Fernwood");
    expect(shop.timezone).toBe("Europe/Berlin");
    expect(shop.currency).toBe("EUR");
    const alertSettings = await prisma.alertSettings.findUniqueOrThrow({
      where: { shopId: shop.id },
    });
    expect(alertSettings.shopEmail).toBe("owner@fernwood.example");
    expect([...shop.storefrontOrigins].sort()).toEqual([
      "https://fernwood.de",
      "https://fernwood.example",
      "https://fernwood.myshopify.com",
    ]);

    const operations = standIn.mutations.map((m) => m.operation);
    expect(operations).toEqual(["StorelensIngestUrl", "StorelensPixelCreate"]);
    const metafield = standIn.mutations[0].variables.metafields as {
      namespace: string;
      key: string;
      value: string;
    }[];
    expect(metafield[0]).toMatchObject({
      namespace: "storelens",
      key: "ingest_url",
      value: `${APP_URL}/collect`,
    });
    expect(
      JSON.parse(standIn.mutations[1].variables.settings as string),
    ).toEqual({ ingestUrl: `${APP_URL}/collect` });

    const backfill = await prisma.orderBackfill.findUniqueOrThrow({
      where: { shopId: shop.id },
    });
    expect(backfill.status).toBe("done");
  });

  it("updates the existing pixel on reinstall", async () => {
    await prisma.shop.update({
      where: { domain: DOMAIN },
      data: { uninstalledAt: new Date() },
    });
    standIn.mutations.length = 0;
    await install();
    expect(standIn.mutations.map((m) => m.operation)).toEqual([
      "StorelensIngestUrl",
      "StorelensPixelCreate",
      "StorelensPixelUpdate",
    ]);
    const shop = await prisma.shop.findUniqueOrThrow({
      where: { domain: DOMAIN },
    });
    expect(shop.uninstalledAt).toBeNull();
  });

  it("marks every day for a rebuild when the time zone changes", async () => {
    const shop = await prisma.shop.findUniqueOrThrow({
      where: { domain: DOMAIN },
    });
    await prisma.visitorSession.create({
      data: {
        shopId: shop.id,
        id: "2f1e6a3c-4b5d-4e6f-8a7b-9c0d1e2f3a4b",
        visitorId: "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
        // 15:30 UTC is the 20th in Berlin but already the 21st in Tokyo.
        startedAt: new Date("2026-11-20T15:30:00Z"),
        lastSeenAt: new Date("2026-11-20T15:35:00Z"),
        device: "desktop",
      },
    });
    await prisma.revenueRollupDay.deleteMany({ where: { shopId: shop.id } });
    const session = await prisma.session.findUniqueOrThrow({
      where: { id: `offline_${DOMAIN}` },
    });
    standIn.addShop(DOMAIN, session.accessToken, [], {
      ianaTimezone: "Asia/Tokyo",
    });
    await install();
    const marked = await prisma.revenueRollupDay.findMany({
      where: { shopId: shop.id },
    });
    expect(marked.map((mark) => mark.day.toISOString().slice(0, 10))).toEqual([
      "2026-11-21",
    ]);
  });
});
