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

const T = Date.UTC(2026, 10, 20, 12);
const logger = pino({ level: "silent" });

const NOTHING: ClickOutcome = {
  targetKind: "button",
  opensNewTab: false,
  domChangeMs: null,
  scrollMs: null,
  selectionChangeMs: null,
  navigationMs: null,
  visibilityChangeMs: null,
  focusChangeMs: null,
  hidden: false,
};

async function send(
  shop: string,
  clicks: { at: number; selector: string; outcome: ClickOutcome }[],
  userAgent?: string,
) {
  const page = makePage({ startedAt: T });
  const batch = makeBatch(shop, {
    sentAt: T + 10_000,
    pages: [page],
    events: clicks.map((click) =>
      makeClick(page, {
        at: click.at,
        selector: click.selector,
        outcome: click.outcome,
      }),
    ),
  });
  const response = await handleBatch(
    postJson(
      "https://storelens.test/collect",
      batch,
      userAgent ? { "User-Agent": userAgent } : {},
    ),
    { pool, logger, now: () => new Date(T + 10_000) },
  );
  expect(response.status).toBe(200);
  return batch;
}

async function signals(shopId: string) {
  return prisma.frictionSignal.findMany({
    where: { shopId },
    orderBy: [{ kind: "asc" }, { occurredAt: "asc" }],
  });
}

describe("detectFriction", () => {
  it("finds a rage burst and its dead clicks once", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "friction.myshopify.com" },
    });
    await send(shop.domain, [
      { at: T + 1000, selector: "#add-to-cart", outcome: NOTHING },
      { at: T + 1200, selector: "#add-to-cart", outcome: NOTHING },
      { at: T + 1400, selector: "#add-to-cart", outcome: NOTHING },
    ]);
    expect(await detectFriction(pool, shop.id)).toBe(4);
    const found = await signals(shop.id);
    expect(found.map((s) => s.kind)).toEqual([
      "dead-click",
      "dead-click",
      "dead-click",
      "rage-click",
    ]);
    expect(found[3].clicks).toBe(3);
    expect(found[3].selector).toBe("#add-to-cart");
    // A second run finds nothing new.
    expect(await detectFriction(pool, shop.id)).toBe(0);
  });

  it("ignores a stepper that reacts to every click", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "stepper.myshopify.com" },
    });
    const reacted: ClickOutcome = {
      ...NOTHING,
      targetKind: "stepper",
      domChangeMs: 40,
    };
    await send(shop.domain, [
      { at: T + 1000, selector: "#quantity-plus", outcome: reacted },
      { at: T + 1200, selector: "#quantity-plus", outcome: reacted },
      { at: T + 1400, selector: "#quantity-plus", outcome: reacted },
    ]);
    expect(await detectFriction(pool, shop.id)).toBe(0);
  });

  it("leaves bot sessions and clicks without outcome out", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "bot-friction.myshopify.com" },
    });
    await send(
      shop.domain,
      [{ at: T + 1000, selector: "#buy", outcome: NOTHING }],
      "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36",
    );
    const page = makePage({ startedAt: T });
    await handleBatch(
      postJson(
        "https://storelens.test/collect",
        makeBatch(shop.domain, {
          sentAt: T + 10_000,
          pages: [page],
          events: [makeClick(page, { at: T + 1000 })],
        }),
      ),
      { pool, logger, now: () => new Date(T + 10_000) },
    );
    expect(await detectFriction(pool, shop.id)).toBe(0);
  });

  it("keeps shops apart", async () => {
    const one = await prisma.shop.create({
      data: { domain: "friction-one.myshopify.com" },
    });
    const two = await prisma.shop.create({
      data: { domain: "friction-two.myshopify.com" },
    });
    await send(one.domain, [
      { at: T + 1000, selector: "#a", outcome: NOTHING },
    ]);
    await send(two.domain, [
      { at: T + 1000, selector: "#b", outcome: NOTHING },
    ]);
    await detectFriction(pool, one.id);
    expect((await signals(one.id)).map((s) => s.selector)).toEqual(["#a"]);
    expect(await signals(two.id)).toEqual([]);
  });
});
