import { randomUUID } from "node:crypto";
import { prisma, pool } from "~/db.server";
import { withTransaction } from "~/transaction.server";
import {
  T0,
  makeBatch,
  makeClick,
  makePage,
  makeScroll,
  pendingBatch,
  pixelBatch,
  CHROME_USER_AGENT,
} from "../../test/support/batches";
import type { BatchPayload, ShopifyEventPayload } from "./payload-types";
import {
  writeBatch,
  writeGroup,
  type BatchOutcome,
} from "./write-batch.server";

// Each case writes the same batches twice: one by one into one set of
// shops, and as one group into another. Outcomes and stored rows must
// match, shop by shop.

const ORIGIN = "https://mixes-store.example";
const ELSEWHERE = "https://elsewhere.example";
const RECEIVED = new Date(T0 + 60_000);

/** A batch as a test case sends it: `shop` names a shop of the case. */
interface Sent {
  payload: BatchPayload;
  shop: "a" | "b" | "uninstalled";
  origin?: string | null;
  userAgent?: string;
}

interface Case {
  /** Batches written one by one before the case, in both runs. */
  before?: Sent[];
  batches: Sent[];
}

let counter = 0;

async function shopsFor(run: string) {
  counter += 1;
  const domain = (name: string) =>
    `mix-${run}-${name}-${counter}.myshopify.com`;
  const a = await prisma.shop.create({
    data: { domain: domain("a"), storefrontOrigins: [ORIGIN] },
  });
  const b = await prisma.shop.create({
    data: { domain: domain("b"), storefrontOrigins: [ORIGIN] },
  });
  const uninstalled = await prisma.shop.create({
    data: {
      domain: domain("uninstalled"),
      storefrontOrigins: [ORIGIN],
      uninstalledAt: new Date(T0),
    },
  });
  return { a, b, uninstalled };
}

function statusOf(outcome: BatchOutcome): string {
  if (!outcome.ok) {
    return `${outcome.error.status} ${outcome.error.code} ${outcome.error.field}`;
  }
  return outcome.result.duplicate
    ? "duplicate"
    : `stored ${outcome.result.events}`;
}

async function rowsOf(shopId: string) {
  const read = async (sql: string) =>
    (await pool.query(sql, [shopId])).rows.map((row) => JSON.stringify(row));
  return {
    receipts: await read(
      `SELECT id, "eventCount", "pageCount" FROM "IngestBatch"
       WHERE "shopId" = $1 ORDER BY id`,
    ),
    sessions: await read(
      `SELECT id, "visitorId", "startedAt", "lastSeenAt", device, "isBot",
              "landingPath", referrer, channel, "clientId", "userAgent",
              "clockOffsetMs"
       FROM "VisitorSession" WHERE "shopId" = $1 ORDER BY id`,
    ),
    pages: await read(
      `SELECT id, "sessionId", path, device, "viewportWidth", "startedAt",
              "maxScrollPx", "documentHeight"
       FROM "PageView" WHERE "shopId" = $1 ORDER BY id`,
    ),
    events: await read(
      `SELECT "batchId", "pageViewId", "sessionId", type, "occurredAt",
              device, "viewportWidth", x, y, selector, "scrollDepthPx",
              "documentHeight"
       FROM "InteractionEvent" WHERE "shopId" = $1
       ORDER BY "batchId", "occurredAt", type, x`,
    ),
    pixel: await read(
      `SELECT "shopifyEventId", "batchId", "sessionId", name, "occurredAt"
       FROM "StorefrontEvent" WHERE "shopId" = $1 ORDER BY "shopifyEventId"`,
    ),
  };
}

/** Writes a case one by one and as one group, and compares the two. */
async function expectGroupMatchesOneByOne(testCase: Case) {
  const single = await shopsFor("single");
  const grouped = await shopsFor("group");
  const pendingFor =
    (shops: typeof single) =>
    ({ payload, shop, origin, userAgent }: Sent) =>
      pendingBatch(
        { ...payload, shop: shops[shop].domain },
        {
          origin: origin === undefined ? ORIGIN : origin,
          receivedAt: RECEIVED,
          userAgent: userAgent ?? CHROME_USER_AGENT,
        },
      );
  for (const shops of [single, grouped]) {
    for (const sent of testCase.before ?? []) {
      await writeBatch(pool, pendingFor(shops)(sent));
    }
  }

  const oneByOne: string[] = [];
  for (const sent of testCase.batches) {
    oneByOne.push(statusOf(await writeBatch(pool, pendingFor(single)(sent))));
  }
  const together = await withTransaction(pool, (client) =>
    writeGroup(client, testCase.batches.map(pendingFor(grouped))),
  );
  expect(together.map(statusOf)).toEqual(oneByOne);
  for (const name of ["a", "b"] as const) {
    const expected = await rowsOf(single[name].id);
    const actual = await rowsOf(grouped[name].id);
    for (const table of Object.keys(expected) as (keyof typeof expected)[]) {
      expect({ shop: name, table, rows: actual[table] }).toEqual({
        shop: name,
        table,
        rows: expected[table],
      });
    }
  }
  return oneByOne;
}

function viewed(id: string, at: number): ShopifyEventPayload {
  return { type: "shopify", id, name: "page_viewed", at, path: "/" };
}

describe("group commit mixes", () => {
  it("same id, bad origin then good", async () => {
    const batch = makeBatch("x");
    const fewer = { ...batch, events: batch.events.slice(0, 1) };
    const statuses = await expectGroupMatchesOneByOne({
      batches: [
        { payload: fewer, shop: "a", origin: ELSEWHERE },
        { payload: batch, shop: "a" },
      ],
    });
    expect(statuses).toEqual(["403 origin_not_allowed undefined", "stored 2"]);
  });

  it("same id, good then bad origin", async () => {
    const batch = makeBatch("x");
    const statuses = await expectGroupMatchesOneByOne({
      batches: [
        { payload: batch, shop: "a" },
        { payload: batch, shop: "a", origin: ELSEWHERE },
      ],
    });
    expect(statuses[0]).toBe("stored 2");
    expect(statuses[1]).toMatch(/^403 origin_not_allowed/);
  });

  it("same id for two shops", async () => {
    const batch = makeBatch("x");
    const other = makeBatch("x", { batchId: batch.batchId });
    const statuses = await expectGroupMatchesOneByOne({
      batches: [
        { payload: batch, shop: "a" },
        { payload: other, shop: "b" },
        { payload: batch, shop: "a" },
        { payload: other, shop: "b" },
      ],
    });
    expect(statuses).toEqual([
      "stored 2",
      "stored 2",
      "duplicate",
      "duplicate",
    ]);
  });

  it("copies with different event counts", async () => {
    const batch = makeBatch("x");
    const page = batch.pages[0];
    const more = {
      ...batch,
      events: [...batch.events, makeClick(page, { at: page.startedAt + 9000 })],
    };
    const statuses = await expectGroupMatchesOneByOne({
      batches: [
        { payload: more, shop: "a" },
        { payload: batch, shop: "a" },
        { payload: more, shop: "a" },
      ],
    });
    expect(statuses).toEqual(["stored 3", "duplicate", "duplicate"]);
  });

  it("uninstalled shop beside installed", async () => {
    const batch = makeBatch("x");
    const statuses = await expectGroupMatchesOneByOne({
      batches: [
        { payload: batch, shop: "uninstalled" },
        { payload: batch, shop: "a" },
        { payload: makeBatch("x"), shop: "uninstalled" },
      ],
    });
    expect(statuses).toEqual([
      "403 shop_uninstalled shop",
      "stored 2",
      "403 shop_uninstalled shop",
    ]);
  });

  it("pixel events repeated across batches", async () => {
    const visit = makeBatch("x");
    const first = viewed(`ev-${randomUUID()}`, T0 + 100);
    const second = viewed(`ev-${randomUUID()}`, T0 + 200);
    await expectGroupMatchesOneByOne({
      before: [
        { payload: visit, shop: "a" },
        { payload: pixelBatch(visit, [first]), shop: "a" },
      ],
      batches: [
        { payload: pixelBatch(visit, [first, second]), shop: "a" },
        { payload: pixelBatch(visit, [second, first]), shop: "a" },
        { payload: pixelBatch(visit, [second]), shop: "b" },
      ],
    });
  });

  it("scrolls on stored and new page views", async () => {
    const stored = makePage();
    const visit = makeBatch("x", {
      pages: [stored],
      events: [makeScroll(stored, { maxDepthPx: 1200, documentHeight: 3000 })],
    });
    const fresh = makePage({ startedAt: T0 + 20_000 });
    const same = { visitorId: visit.visitorId, sessionId: visit.sessionId };
    const scrolls = (
      page: typeof stored,
      depth: number,
      height: number,
    ): BatchPayload =>
      makeBatch("x", {
        ...same,
        pages: [],
        events: [
          makeScroll(page, { maxDepthPx: depth, documentHeight: height }),
        ],
      });
    await expectGroupMatchesOneByOne({
      before: [{ payload: visit, shop: "a" }],
      batches: [
        scrolls(stored, 900, 2800),
        scrolls(stored, 1200, 3100),
        makeBatch("x", {
          ...same,
          pages: [fresh],
          events: [makeScroll(fresh, { maxDepthPx: 0, documentHeight: 5000 })],
        }),
        scrolls(fresh, 0, 5200),
        scrolls(stored, 1100, 9000),
        scrolls(fresh, 700, 5400),
        scrolls(fresh, 700, 5500),
      ].map((payload) => ({ payload, shop: "a" as const })),
    });
    const view = await pool.query(
      `SELECT "maxScrollPx", "documentHeight" FROM "PageView" WHERE id = $1`,
      [stored.id],
    );
    expect(view.rows).toHaveLength(2);
  });

  it("pixel first, then the script", async () => {
    const mobile = makePage({
      viewportWidth: 390,
      viewportHeight: 844,
      device: "mobile",
    });
    const script = makeBatch("x", {
      pages: [mobile],
      events: [makeClick(mobile)],
    });
    const pixel = pixelBatch(script, [viewed(`ev-${randomUUID()}`, T0)]);
    const later = pixelBatch(script, [viewed(`ev-${randomUUID()}`, T0 + 50)]);
    await expectGroupMatchesOneByOne({
      batches: [
        { payload: pixel, shop: "a", origin: "null" },
        { payload: script, shop: "a" },
        { payload: later, shop: "a", origin: "null" },
      ],
    });
    const sessions = await pool.query(
      `SELECT device FROM "VisitorSession" WHERE id = $1`,
      [script.sessionId],
    );
    expect(sessions.rows.map((row) => row.device)).toEqual([
      "mobile",
      "mobile",
    ]);
  });

  it("retries of rejected batches", async () => {
    const page = makePage();
    const stray = makeBatch("x", { pages: [], events: [makeClick(page)] });
    const fixed = { ...stray, pages: [page] };
    const statuses = await expectGroupMatchesOneByOne({
      batches: [
        { payload: stray, shop: "a" },
        { payload: fixed, shop: "a", origin: ELSEWHERE },
        { payload: fixed, shop: "a" },
        { payload: stray, shop: "a" },
        { payload: fixed, shop: "a" },
      ],
    });
    expect(statuses).toEqual([
      "400 unknown_page events.0.page",
      "403 origin_not_allowed undefined",
      "stored 1",
      "duplicate",
      "duplicate",
    ]);
  });

  it("two shops side by side", async () => {
    const page = makePage();
    const forA = makeBatch("x", { pages: [page], events: [makeClick(page)] });
    // Shop B's visit uses the same page, visit and visitor ids.
    const forB = { ...forA, batchId: randomUUID() };
    const nextA = makeBatch("x", {
      visitorId: forA.visitorId,
      sessionId: forA.sessionId,
      pages: [],
      events: [makeScroll(page, { maxDepthPx: 2000, documentHeight: 4000 })],
    });
    const statuses = await expectGroupMatchesOneByOne({
      batches: [
        { payload: forA, shop: "a" },
        { payload: forB, shop: "b" },
        { payload: nextA, shop: "a" },
        { payload: { ...nextA, batchId: randomUUID() }, shop: "b" },
      ],
    });
    expect(statuses).toEqual(["stored 1", "stored 1", "stored 1", "stored 1"]);
  });
  it("session taken, then a corrected copy", async () => {
    const owner = makeBatch("x");
    const intruder = makeBatch("x", { sessionId: owner.sessionId });
    const corrected = { ...intruder, sessionId: randomUUID() };
    const statuses = await expectGroupMatchesOneByOne({
      before: [{ payload: owner, shop: "a" }],
      batches: [
        { payload: intruder, shop: "a" },
        { payload: corrected, shop: "a" },
        { payload: intruder, shop: "a" },
      ],
    });
    expect(statuses).toEqual([
      "409 session_of_another_visitor sessionId",
      "stored 2",
      "duplicate",
    ]);
  });

  it("page view claimed twice in one group", async () => {
    const page = makePage();
    const first = makeBatch("x", { pages: [page], events: [makeClick(page)] });
    const thief = makeBatch("x", { pages: [page], events: [makeClick(page)] });
    // A later batch of the first visit that needs its page view, and one
    // of a visit whose only batch was rejected.
    const next = makeBatch("x", {
      visitorId: first.visitorId,
      sessionId: first.sessionId,
      pages: [],
      events: [makeScroll(page)],
    });
    const orphan = makeBatch("x", {
      visitorId: thief.visitorId,
      sessionId: thief.sessionId,
      pages: [],
      events: [makeScroll(page)],
    });
    const statuses = await expectGroupMatchesOneByOne({
      batches: [first, thief, next, orphan].map((payload) => ({
        payload,
        shop: "a" as const,
      })),
    });
    expect(statuses).toEqual([
      "stored 1",
      "409 page_of_another_visit pages.0.id",
      "stored 1",
      "409 page_of_another_visit events.0.page",
    ]);
  });

  it("returning visit inherits its source", async () => {
    const visitorId = randomUUID();
    const social = makePage({ referrer: "https://www.instagram.com/" });
    const first = makeBatch("x", {
      visitorId,
      pages: [social],
      events: [makeClick(social)],
    });
    const back = makePage({
      startedAt: T0 + 30_000,
      referrer: "https://checkout.shopify.com/",
    });
    const returning = makeBatch("x", {
      visitorId,
      pages: [back],
      events: [makeClick(back)],
    });
    await expectGroupMatchesOneByOne({
      batches: [
        { payload: first, shop: "a" },
        { payload: returning, shop: "a" },
        { payload: { ...returning, batchId: randomUUID() }, shop: "b" },
      ],
    });
    const channels = await pool.query(
      `SELECT channel FROM "VisitorSession" WHERE id = $1`,
      [returning.sessionId],
    );
    expect(channels.rows.map((row) => row.channel)).toEqual(
      expect.arrayContaining(["social", "direct"]),
    );
  });
});
