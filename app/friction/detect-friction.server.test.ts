import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import type { ClickOutcome } from "~/ingest/payload-types";
import {
  NO_EFFECT,
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import { detectFriction } from "./detect-friction.server";

const T = Date.UTC(2026, 10, 20, 12);
const logger = pino({ level: "silent" });

const NOTHING = NO_EFFECT;

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
    // Both visits have ended, so they left the queue.
    expect(
      await prisma.frictionPendingVisit.count({ where: { shopId: shop.id } }),
    ).toBe(0);
  });

  it("waits for a batch that took its ids earlier", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "in-flight.myshopify.com" },
    });
    // A batch still being written: its transaction has taken an event id
    // below those of a batch that commits after it.
    const slow = await pool.connect();
    await slow.query("BEGIN");
    await slow.query("SELECT txid_current()");
    const taken = await slow.query<{ id: string }>(
      `SELECT nextval('"InteractionEvent_id_seq"')::text AS id`,
    );
    const fast = await send(shop.domain, [
      { at: T + 1000, selector: "#fast", outcome: NOTHING },
    ]);
    expect(await detectFriction(pool, shop.id)).toBe(0);

    await slow.query(
      `INSERT INTO "InteractionEvent"
         ("shopId", id, "pageViewId", "sessionId", type, "occurredAt",
          "clientAt", path, device, "viewportWidth", "viewportHeight", x, y,
          selector, "offsetX", "offsetY", fixed, touch, outcome, "batchId")
       VALUES ($1, $2, gen_random_uuid(), $3, 'click', $4, $4, '/', 'desktop',
               1440, 900, 10, 10, '#slow', 0.5, 0.5, false, false, $5,
               gen_random_uuid())`,
      [shop.id, taken.rows[0].id, fast.sessionId, new Date(T + 2000), NOTHING],
    );
    await slow.query("COMMIT");
    slow.release();

    expect(await detectFriction(pool, shop.id)).toBe(2);
    expect((await signals(shop.id)).map((s) => s.selector).sort()).toEqual([
      "#fast",
      "#slow",
    ]);
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

describe("detectFriction on ended visits and errors", () => {
  const MINUTE = 60_000;

  async function sendVisit(shop: string) {
    const home = makePage({ path: "/", startedAt: T });
    const sale = makePage({ path: "/collections/sale", startedAt: T + 3000 });
    const back = makePage({ path: "/", startedAt: T + 6000 });
    const batch = makeBatch(shop, {
      sentAt: T + 10_000,
      pages: [home, sale, back],
      events: [
        {
          type: "focus",
          page: home.id,
          at: T + 500,
          field: "#email",
          form: "#newsletter",
        },
        {
          type: "focus",
          page: home.id,
          at: T + 900,
          field: "#name",
          form: "#newsletter",
        },
        {
          type: "hover",
          page: back.id,
          at: T + 6500,
          durationMs: 4000,
          selector: "#add",
          cta: true,
        },
        {
          type: "hover",
          page: back.id,
          at: T + 6600,
          durationMs: 3500,
          selector: "#buy-now",
          cta: true,
        },
        makeClick(back, {
          at: T + 9000,
          selector: "#buy-now",
          outcome: { ...NOTHING, domChangeMs: 50 },
        }),
        {
          type: "error",
          page: back.id,
          at: T + 7000,
          message:
            "Cannot read properties of undefined (reading 'id') at 1:120",
        },
        {
          type: "error",
          page: back.id,
          at: T + 7500,
          message:
            "Cannot read properties of undefined (reading 'id') at 1:977",
        },
      ],
    });
    const response = await handleBatch(
      postJson("https://storelens.test/collect", batch),
      { pool, logger, now: () => new Date(T + 10_000) },
    );
    expect(response.status).toBe(200);
    return { home, sale, back };
  }

  it("waits for the visit to end, then finds each signal once", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "ended.myshopify.com" },
    });
    const { home, sale, back } = await sendVisit(shop.domain);

    // Errors count at once; the rest only once the visit has ended.
    expect(await detectFriction(pool, shop.id, new Date(T + 10 * MINUTE))).toBe(
      1,
    );
    const [error] = await signals(shop.id);
    expect(error).toMatchObject({
      kind: "js-error",
      pageViewId: back.id,
      selector: "",
      x: null,
      detail: "Cannot read properties of undefined (reading 'id') at <n>:<n>",
    });

    expect(await detectFriction(pool, shop.id, new Date(T + 31 * MINUTE))).toBe(
      3,
    );
    const found = (await signals(shop.id)).filter((s) => s.kind !== "js-error");
    expect(
      found.map((s) => [s.kind, s.pageViewId, s.selector, s.detail]),
    ).toEqual([
      ["form-abandonment", home.id, "#name", "#newsletter"],
      ["hover-without-click", back.id, "#add", null],
      ["u-turn", sale.id, "", "/"],
    ]);
    expect(await detectFriction(pool, shop.id, new Date(T + 40 * MINUTE))).toBe(
      0,
    );
  });

  it("examines a visit that arrives after a later one", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "late.myshopify.com" },
    });
    const formVisit = async (at: number) => {
      const page = makePage({ path: "/", startedAt: at });
      const batch = makeBatch(shop.domain, {
        sentAt: at + 2000,
        pages: [page],
        events: [
          {
            type: "focus",
            page: page.id,
            at: at + 500,
            field: "#email",
            form: "#newsletter",
          },
        ],
      });
      const response = await handleBatch(
        postJson("https://storelens.test/collect", batch),
        { pool, logger, now: () => new Date(at + 2000) },
      );
      expect(response.status).toBe(200);
    };
    await formVisit(T + 60 * MINUTE);
    expect(
      await detectFriction(pool, shop.id, new Date(T + 120 * MINUTE)),
    ).toBe(1);
    // An older visit, delivered late (an offline queue, a retry).
    await formVisit(T);
    expect(
      await detectFriction(pool, shop.id, new Date(T + 121 * MINUTE)),
    ).toBe(1);
    expect(
      await prisma.frictionPendingVisit.count({ where: { shopId: shop.id } }),
    ).toBe(0);
  });

  it("skips selectors the merchant excluded", async () => {
    const shop = await prisma.shop.create({
      data: {
        domain: "excluded.myshopify.com",
        frictionSettings: { create: { excludedSelectors: ["#gallery *"] } },
      },
    });
    await send(shop.domain, [
      {
        at: T + 1000,
        selector: "#gallery > img:nth-of-type(2)",
        outcome: NOTHING,
      },
      {
        at: T + 1200,
        selector: "#gallery > img:nth-of-type(2)",
        outcome: NOTHING,
      },
      {
        at: T + 1400,
        selector: "#gallery > img:nth-of-type(2)",
        outcome: NOTHING,
      },
      { at: T + 5000, selector: "#size-chart", outcome: NOTHING },
    ]);
    expect(await detectFriction(pool, shop.id)).toBe(1);
    expect((await signals(shop.id)).map((s) => [s.kind, s.selector])).toEqual([
      ["dead-click", "#size-chart"],
    ]);
  });
});
