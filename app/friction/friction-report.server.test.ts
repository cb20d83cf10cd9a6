import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import type { ClickOutcome } from "~/ingest/payload-types";
import {
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import { detectFriction } from "./detect-friction.server";
import { signalPlaces } from "./friction-details.server";
import { frictionReport } from "./friction-report.server";

const T = Date.UTC(2026, 10, 20, 12);
const RANGE = { from: "2026-11-20", to: "2026-11-20" };
const REACTED: ClickOutcome = {
  targetKind: "button",
  opensNewTab: false,
  domChangeMs: 30,
  scrollMs: null,
  selectionChangeMs: null,
  navigationMs: null,
  visibilityChangeMs: null,
  focusChangeMs: null,
  hidden: false,
};
const IGNORED: ClickOutcome = { ...REACTED, domChangeMs: null };

async function visit(shop: string, outcome: ClickOutcome, clicks: number) {
  const page = makePage({ startedAt: T });
  const batch = makeBatch(shop, {
    sentAt: T + 10_000,
    pages: [page],
    events: Array.from({ length: clicks }, (_, i) =>
      makeClick(page, { at: T + 1000 + i * 200, outcome }),
    ),
  });
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    {
      pool,
      logger: pino({ level: "silent" }),
      now: () => new Date(T + 10_000),
    },
  );
  expect(response.status).toBe(200);
  return batch.sessionId;
}

describe("frictionReport", () => {
  it("estimates revenue at stake from the RPS gap", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "stake.myshopify.com", currency: "EUR" },
    });
    await visit(shop.domain, IGNORED, 3);
    await visit(shop.domain, IGNORED, 3);
    const buyer = await visit(shop.domain, REACTED, 1);
    await visit(shop.domain, REACTED, 1);
    await prisma.order.create({
      data: {
        shopId: shop.id,
        id: "880001",
        processedAt: new Date(T + 60_000),
        currency: "EUR",
        totalPrice: "100.00",
        sessionId: buyer,
      },
    });
    await detectFriction(pool, shop.id);

    const report = await frictionReport(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: RANGE,
    });
    const rage = report.impacts.find((impact) => impact.kind === "rage-click");
    expect(rage).toMatchObject({
      affectedSessions: 2,
      unaffectedSessions: 2,
      rpsWith: 0,
      rpsWithout: 50,
      conversionWith: 0,
      conversionWithout: 0.5,
      estimatedRevenueAtStake: 100,
      smallSample: true,
    });
    const places = await signalPlaces(pool, {
      shopId: shop.id,
      timezone: "UTC",
      range: RANGE,
    });
    expect(
      places.map((p) => [p.kind, p.selector, p.signals, p.sessions]),
    ).toEqual([
      ["dead-click", "#add-to-cart", 6, 2],
      ["rage-click", "#add-to-cart", 2, 2],
    ]);
  });
});
