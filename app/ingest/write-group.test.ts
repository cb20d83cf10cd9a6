import { randomUUID } from "node:crypto";
import pg from "pg";
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
import { generateDemoTraffic } from "../../scripts/lib/demo-traffic";
import { IngestWriter } from "./ingest-writer.server";
import type { BatchPayload, ShopifyEventPayload } from "./payload-types";
import {
  writeBatch,
  writeGroup,
  type BatchOutcome,
  type PendingBatch,
} from "./write-batch.server";

// The group commit must decide every batch as writing the batches one by
// one in arrival order would, and keep a rejected batch from touching the
// others of its group.

const ORIGIN = "https://group-store.example";
const RECEIVED = new Date(T0 + 60_000);

async function createShop(domain: string) {
  return prisma.shop.create({
    data: { domain, storefrontOrigins: [ORIGIN] },
  });
}

function pending(
  payload: BatchPayload,
  options: { origin?: string | null; receivedAt?: Date } = {},
): PendingBatch {
  return pendingBatch(payload, {
    origin: options.origin === undefined ? ORIGIN : options.origin,
    receivedAt: options.receivedAt ?? RECEIVED,
    userAgent: CHROME_USER_AGENT,
  });
}

function statusOf(outcome: BatchOutcome): string {
  if (!outcome.ok) return `${outcome.error.status} ${outcome.error.code}`;
  return outcome.result.duplicate ? "duplicate" : "stored";
}

function groupOf(batches: PendingBatch[]): Promise<BatchOutcome[]> {
  return withTransaction(pool, (client) => writeGroup(client, batches));
}

async function countsFor(shopId: string) {
  const result = await pool.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM "IngestBatch" WHERE "shopId" = $1) AS batches,
            (SELECT count(*) FROM "VisitorSession" WHERE "shopId" = $1) AS sessions,
            (SELECT count(*) FROM "PageView" WHERE "shopId" = $1) AS pages,
            (SELECT count(*) FROM "InteractionEvent" WHERE "shopId" = $1) AS events`,
    [shopId],
  );
  return Object.fromEntries(
    Object.entries(result.rows[0]).map(([key, value]) => [key, Number(value)]),
  );
}

describe("a group with rejected batches", () => {
  it("rejects only the bad batches", async () => {
    const shop = await createShop("group-mixed.myshopify.com");
    const other = await createShop("group-other.myshopify.com");
    const stored = makeBatch(shop.domain);
    await writeBatch(pool, pending(stored));

    const good = makeBatch(shop.domain);
    const otherShop = makeBatch(other.domain);
    // Lists the stored visit's page view under a visit of its own.
    const stolenPage = makeBatch(shop.domain, {
      pages: stored.pages,
      events: [makeClick(stored.pages[0])],
    });
    const strayClick = makeClick(makePage());
    const unknownPage = makeBatch(shop.domain, { events: [strayClick] });
    const takenSession = makeBatch(shop.domain, {
      sessionId: stored.sessionId,
    });
    const wrongOrigin = makeBatch(shop.domain);
    const unknownShop = makeBatch("group-nobody.myshopify.com");

    const outcomes = await groupOf([
      pending(good),
      pending(stolenPage),
      pending(unknownPage),
      pending(takenSession),
      pending(wrongOrigin, { origin: "https://elsewhere.example" }),
      pending(unknownShop),
      pending(otherShop),
      pending(good),
      pending(stored),
    ]);
    expect(outcomes.map(statusOf)).toEqual([
      "stored",
      "409 page_of_another_visit",
      "400 unknown_page",
      "409 session_of_another_visitor",
      "403 origin_not_allowed",
      "403 unknown_shop",
      "stored",
      "duplicate",
      "duplicate",
    ]);
    const failed = outcomes[1];
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error.field).toBe("pages.0.id");

    // The stored batch and the good one, with one page view, two events each.
    expect(await countsFor(shop.id)).toEqual({
      batches: 2,
      sessions: 2,
      pages: 2,
      events: 4,
    });
    expect(await countsFor(other.id)).toEqual({
      batches: 1,
      sessions: 1,
      pages: 1,
      events: 2,
    });

    // A rejected batch left no receipt: corrected, the same id is stored.
    const retry = await groupOf([
      pending({
        ...unknownPage,
        pages: [makePage({ id: strayClick.page })],
      }),
    ]);
    expect(retry.map(statusOf)).toEqual(["stored"]);
  });

  it("stores a copy after a rejected one", async () => {
    const shop = await createShop("group-copies.myshopify.com");
    const batch = makeBatch(shop.domain);
    // The same id with fewer events, from a page the shop does not own.
    const forged = { ...batch, events: batch.events.slice(0, 1) };
    const elsewhere = { origin: "https://elsewhere.example" };
    const lonely = makeBatch(shop.domain);
    const later = new Date(RECEIVED.getTime() + 5);

    const outcomes = await groupOf([
      pending(forged, elsewhere),
      pending(batch, { receivedAt: later }),
      pending(lonely, elsewhere),
    ]);
    expect(outcomes.map(statusOf)).toEqual([
      "403 origin_not_allowed",
      "stored",
      "403 origin_not_allowed",
    ]);
    // The receipt counts the stored copy, and the batch rejected in every
    // copy left none.
    const receipts = await prisma.ingestBatch.findMany({
      where: { shopId: shop.id },
    });
    expect(receipts.map((receipt) => receipt.id)).toEqual([batch.batchId]);
    expect(receipts[0].eventCount).toBe(batch.events.length);
    expect(receipts[0].pageCount).toBe(batch.pages.length);
    expect(receipts[0].receivedAt).toEqual(later);

    const retry = await groupOf([pending(lonely)]);
    expect(retry.map(statusOf)).toEqual(["stored"]);
  });

  it("uses a page view from earlier", async () => {
    const shop = await createShop("group-chain.myshopify.com");
    const page = makePage({
      viewportWidth: 390,
      viewportHeight: 844,
      device: "mobile",
    });
    const first = makeBatch(shop.domain, {
      pages: [page],
      events: [makeScroll(page, { maxDepthPx: 900, documentHeight: 4000 })],
    });
    const second = makeBatch(shop.domain, {
      visitorId: first.visitorId,
      sessionId: first.sessionId,
      pages: [],
      events: [
        {
          type: "hover",
          page: page.id,
          at: page.startedAt + 3000,
          selector: "#buy",
          durationMs: 1500,
          cta: true,
        },
        makeScroll(page, { maxDepthPx: 2600, documentHeight: 4200 }),
      ],
    });
    const outcomes = await groupOf([pending(first), pending(second)]);
    expect(outcomes.map(statusOf)).toEqual(["stored", "stored"]);
    const hover = await prisma.interactionEvent.findFirstOrThrow({
      where: { shopId: shop.id, type: "hover" },
    });
    // The hover takes its viewport from the page view of the first batch.
    expect([hover.viewportWidth, hover.viewportHeight, hover.device]).toEqual([
      390,
      844,
      "mobile",
    ]);
    const view = await prisma.pageView.findFirstOrThrow({
      where: { shopId: shop.id, id: page.id },
    });
    expect([view.maxScrollPx, view.documentHeight]).toEqual([2600, 4200]);
  });
});

/**
 * Demo traffic of one shop plus what live traffic adds: pixel batches
 * whose Shopify events repeat across batches, exposures and redelivered
 * batches. `thieves` claim another visit's page view: which of two visits
 * gets a page id first is a race between writers, so they go last.
 */
function mixedTraffic(domain: string): {
  traffic: BatchPayload[];
  thieves: BatchPayload[];
} {
  const demo = generateDemoTraffic({
    shop: domain,
    sessions: 80,
    seed: 7,
    now: new Date(T0),
    days: 1,
    origin: ORIGIN,
  });
  const traffic: BatchPayload[] = [];
  const thieves: BatchPayload[] = [];
  demo.forEach((batch, index) => {
    const withExposure: BatchPayload =
      index % 7 === 0
        ? {
            ...batch,
            events: [
              ...batch.events,
              {
                type: "exposure",
                experiment: "sticky-cart",
                variant: index % 2 === 0 ? "a" : "b",
                at: batch.events[0].at,
              },
            ],
          }
        : batch;
    traffic.push(withExposure);
    if (index % 5 === 0) {
      const viewed: ShopifyEventPayload = {
        type: "shopify",
        id: `ev-${batch.sessionId}-${index}`,
        name: "page_viewed",
        at: batch.events[0].at,
        path: batch.pages[0]?.path ?? "/",
      };
      traffic.push(pixelBatch(batch, [viewed]));
      // The pixel sends the same event again in a later batch.
      traffic.push(
        pixelBatch(batch, [viewed, { ...viewed, id: `${viewed.id}-b` }]),
      );
    }
    if (index % 9 === 0) traffic.push(batch);
    const victim = demo[index - 1];
    if (index % 23 === 0 && victim && victim.sessionId !== batch.sessionId) {
      thieves.push({
        ...batch,
        batchId: randomUUID(),
        pages: victim.pages,
        events: victim.pages.length
          ? [makeClick(victim.pages[0])]
          : batch.events,
      });
    }
  });
  const sent = (batch: BatchPayload) => ({
    ...batch,
    sentAt: RECEIVED.getTime(),
  });
  return { traffic: traffic.map(sent), thieves: thieves.map(sent) };
}

async function rowsOf(shopId: string) {
  const query = async (sql: string) =>
    (await pool.query(sql, [shopId])).rows.map((row) => JSON.stringify(row));
  return {
    sessions: await query(
      `SELECT id, "visitorId", "startedAt", "lastSeenAt", device, "isBot",
              "landingPath", referrer, channel, "utmSource", "userAgent"
       FROM "VisitorSession" WHERE "shopId" = $1 ORDER BY id`,
    ),
    pages: await query(
      `SELECT id, "sessionId", path, device, "viewportWidth", "startedAt",
              "maxScrollPx", "documentHeight"
       FROM "PageView" WHERE "shopId" = $1 ORDER BY id`,
    ),
    events: await query(
      `SELECT "batchId", "pageViewId", type, "occurredAt", path, device,
              "viewportWidth", "viewportHeight", x, y, selector, outcome,
              "scrollDepthPx", "durationMs", cta, form, message
       FROM "InteractionEvent" WHERE "shopId" = $1
       ORDER BY "batchId", "occurredAt", type, selector, x, y`,
    ),
    pixel: await query(
      `SELECT "shopifyEventId", "batchId", "sessionId", name, "occurredAt"
       FROM "StorefrontEvent" WHERE "shopId" = $1 ORDER BY "shopifyEventId"`,
    ),
    exposures: await query(
      `SELECT "sessionId", "experimentKey", variant, mixed
       FROM "ExperimentExposure" WHERE "shopId" = $1 ORDER BY "sessionId"`,
    ),
    receipts: await query(
      `SELECT id, "eventCount" FROM "IngestBatch" WHERE "shopId" = $1 ORDER BY id`,
    ),
  };
}

describe("upper-case ids", () => {
  it("match their stored rows", async () => {
    const shop = await createShop("group-upper.myshopify.com");
    const page = makePage({ id: randomUUID().toUpperCase() });
    const first = makeBatch(shop.domain, {
      batchId: randomUUID().toUpperCase(),
      visitorId: randomUUID().toUpperCase(),
      sessionId: randomUUID().toUpperCase(),
      pages: [page],
      events: [makeClick(page)],
    });
    const next = makeBatch(shop.domain, {
      visitorId: first.visitorId,
      sessionId: first.sessionId,
      pages: [],
      events: [makeClick(page, { at: page.startedAt + 4000 })],
    });
    expect((await groupOf([pending(first)])).map(statusOf)).toEqual(["stored"]);
    expect(
      (await groupOf([pending(first), pending(next)])).map(statusOf),
    ).toEqual(["duplicate", "stored"]);
    expect(await countsFor(shop.id)).toEqual({
      batches: 2,
      sessions: 1,
      pages: 1,
      events: 2,
    });
  });
});

describe("group commit against one batch at a time", () => {
  it("matches one-by-one writes", async () => {
    const single = await createShop("group-single.myshopify.com");
    const grouped = await createShop("group-grouped.myshopify.com");
    const { traffic, thieves } = mixedTraffic("group-single.myshopify.com");

    const oneByOne: string[] = [];
    for (const batch of [...traffic, ...thieves]) {
      oneByOne.push(statusOf(await writeBatch(pool, pending(batch))));
    }

    // Small groups over two writers, every batch submitted at once.
    const writer = new IngestWriter(pool, undefined, 25, 2);
    const submit = (batches: BatchPayload[]) =>
      Promise.all(
        batches.map((batch) =>
          writer.write(pending({ ...batch, shop: grouped.domain })),
        ),
      );
    const together = [...(await submit(traffic)), ...(await submit(thieves))];
    expect(together.map(statusOf)).toEqual(oneByOne);
    expect(
      oneByOne.filter((status) => status === "duplicate").length,
    ).toBeGreaterThan(5);
    expect(oneByOne).toContain("409 page_of_another_visit");

    const expected = await rowsOf(single.id);
    const actual = await rowsOf(grouped.id);
    expect(expected.events.length).toBeGreaterThan(300);
    expect(expected.pixel.length).toBeGreaterThan(10);
    expect(expected.exposures.length).toBeGreaterThan(5);
    for (const table of Object.keys(expected) as (keyof typeof expected)[]) {
      expect({ table, rows: actual[table] }).toEqual({
        table,
        rows: expected[table],
      });
    }
  });
});

describe("a group that fails", () => {
  it("retries its batches one by one", async () => {
    const shop = await createShop("group-race.myshopify.com");
    const raced = makeBatch(shop.domain);
    const bystander = makeBatch(shop.domain);

    // Another connection creates the visit for another visitor and keeps
    // its transaction open. The group's check cannot see the row yet, and
    // its upsert waits on it.
    const rival = new pg.Client({
      connectionString: process.env.DATABASE_URL,
      options: "-c TimeZone=UTC",
    });
    await rival.connect();
    await rival.query("BEGIN");
    await rival.query(
      `INSERT INTO "VisitorSession" ("shopId", id, "visitorId", "startedAt",
         "lastSeenAt", device, "isBot")
       VALUES ($1, $2, $3, $4, $4, 'desktop', false)`,
      [shop.id, raced.sessionId, randomUUID(), RECEIVED],
    );

    const writer = new IngestWriter(pool, undefined, 25, 1);
    const outcomes = Promise.all([
      writer.write(pending(raced)),
      writer.write(pending(bystander)),
    ]);
    for (let tries = 0; ; tries += 1) {
      const waiting = await pool.query(
        `SELECT 1 FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO "VisitorSession"%'`,
      );
      if (waiting.rowCount) break;
      if (tries > 200) throw new Error("the group never waited on the visit");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await rival.query("COMMIT");
    await rival.end();

    expect((await outcomes).map(statusOf)).toEqual([
      "409 session_of_another_visitor",
      "stored",
    ]);
    expect(await countsFor(shop.id)).toEqual({
      batches: 1,
      sessions: 2,
      pages: 1,
      events: 2,
    });
  });
});
