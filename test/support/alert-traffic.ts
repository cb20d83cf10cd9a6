import pino from "pino";
import { pool, prisma } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import type { ClickOutcome } from "~/ingest/payload-types";
import { NO_EFFECT, makeBatch, makeClick, makePage, postJson } from "./batches";

// Storefront traffic for alert tests, sent through the real ingest handler
// with the server clock set to the traffic's own time.

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Friday 20 November 2026, 15:00 UTC: "now" of the alert tests. */
export const NOW = Date.UTC(2026, 10, 20, 15);
export const TODAY = "2026-11-20";
export const PATH = "/products/linen-shirt";
const logger = pino({ level: "silent" });

export const NO_REACTION = NO_EFFECT;

/** Sends one visit to the page through the ingest handler at `at`. */
export async function visit(
  shop: string,
  at: number,
  clicks: { offsetMs: number; outcome?: ClickOutcome }[],
): Promise<string> {
  const page = makePage({ path: PATH, startedAt: at });
  const batch = makeBatch(shop, {
    sentAt: at + 10_000,
    pages: [page],
    events: clicks.map((click) =>
      makeClick(page, {
        at: at + click.offsetMs,
        selector: "#add-to-cart",
        ...(click.outcome ? { outcome: click.outcome } : {}),
      }),
    ),
  });
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    { pool, logger, now: () => new Date(at + 10_000) },
  );
  expect(response.status).toBe(200);
  return batch.sessionId;
}

/** A rage burst: three quick clicks on Add to cart that change nothing. */
export const RAGE_BURST = [0, 250, 500].map((offset) => ({
  offsetMs: 1000 + offset,
  outcome: NO_REACTION,
}));

export async function order(shopId: string, sessionId: string, at: number) {
  await prisma.order.create({
    data: {
      shopId,
      id: String(Math.floor(Math.random() * 1e12)),
      processedAt: new Date(at),
      currency: "USD",
      totalPrice: "50.00",
      sessionId,
    },
  });
}

/**
 * Two weeks of calm traffic on the product page: 10 visits a day without
 * friction, one of which orders for $50. Page RPS is $5.
 */
export async function seedHistory(
  shop: { id: string; domain: string },
  now = NOW,
) {
  for (let day = 14; day >= 1; day -= 1) {
    for (let i = 0; i < 10; i += 1) {
      const at = now - day * DAY + i * 10 * 60_000;
      const session = await visit(shop.domain, at, [{ offsetMs: 1000 }]);
      if (i === 0) await order(shop.id, session, at + 60_000);
    }
  }
}

/** Creates a shop in UTC whose alert emails go to `recipients`. */
export async function createShop(domain: string, recipients: string[]) {
  const shop = await prisma.shop.create({
    data: { domain, name: domain.split(".")[0], timezone: "UTC" },
  });
  await prisma.alertSettings.create({ data: { shopId: shop.id, recipients } });
  return shop;
}

/** Sends `shoppers` visits with a rage burst, starting two hours before `now`. */
export async function injectRageBurst(
  domain: string,
  shoppers: number,
  now = NOW,
) {
  for (let i = 0; i < shoppers; i += 1) {
    await visit(domain, now - 2 * HOUR + i * 60_000, RAGE_BURST);
  }
}
