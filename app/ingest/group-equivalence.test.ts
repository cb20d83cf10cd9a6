import { prisma, pool } from "~/db.server";
import { generateDemoTraffic } from "../../scripts/lib/demo-traffic";
import { pendingBatch } from "../../test/support/batches";
import { IngestWriter } from "./ingest-writer.server";
import type { BatchPayload } from "./payload-types";
import { writeBatch, type PendingBatch } from "./write-batch.server";

// The same demo traffic written once through the group writer, many
// visitors at a time, and once one batch at a time: every stored row must
// be the same.

const ORIGIN = "https://fernwood.example";
const GROUPED = "grouped.myshopify.com";
const ONE_BY_ONE = "one-by-one.myshopify.com";

const traffic = generateDemoTraffic({
  shop: GROUPED,
  sessions: 120,
  seed: 5,
  now: new Date(Date.UTC(2026, 10, 20)),
  days: 7,
  origin: ORIGIN,
});

function pending(batch: BatchPayload, shop: string): PendingBatch {
  // A fixed delay between sending and receipt, so that both writes correct
  // the browser clocks alike.
  return pendingBatch(
    { ...batch, shop },
    {
      origin: ORIGIN,
      receivedAt: new Date(batch.sentAt + 40),
      userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0",
    },
  );
}

/** Reads a shop's visits, page views, events, receipts and snapshot slots. */
async function rowsOf(domain: string) {
  const { id } = await prisma.shop.findUniqueOrThrow({ where: { domain } });
  const read = async (sql: string) => {
    const result = await pool.query(sql, [id]);
    return result.rows.map((row) => JSON.stringify(row)).sort();
  };
  return {
    sessions: await read(
      `SELECT id, "visitorId", "startedAt", "lastSeenAt", device, "isBot",
              "landingPath", referrer, channel, "utmSource", "utmMedium",
              "utmCampaign"
       FROM "VisitorSession" WHERE "shopId" = $1`,
    ),
    pageViews: await read(
      `SELECT id, "sessionId", path, title, referrer, "startedAt", device,
              "viewportWidth", "viewportHeight", "maxScrollPx",
              "documentHeight"
       FROM "PageView" WHERE "shopId" = $1`,
    ),
    events: await read(
      `SELECT "pageViewId", "sessionId", "batchId", type, "occurredAt",
              "clientAt", path, device, "viewportWidth", "viewportHeight", x, y,
              selector, "offsetX", "offsetY", fixed, touch, "scrollDepthPx",
              "documentHeight", outcome, "durationMs", cta, form, message
       FROM "InteractionEvent" WHERE "shopId" = $1`,
    ),
    receipts: await read(
      `SELECT id, "eventCount", "pageCount"
       FROM "IngestBatch" WHERE "shopId" = $1`,
    ),
    snapshotSlots: await read(
      `SELECT path, device, band, day
       FROM "PageSnapshot" WHERE "shopId" = $1`,
    ),
  };
}

beforeAll(async () => {
  for (const domain of [GROUPED, ONE_BY_ONE]) {
    await prisma.shop.create({
      data: { domain, storefrontOrigins: [ORIGIN], timezone: "Europe/Berlin" },
    });
  }
});

describe("group commit against one batch at a time", () => {
  it("stores the same rows", async () => {
    for (const batch of traffic) {
      const outcome = await writeBatch(pool, pending(batch, ONE_BY_ONE));
      expect(outcome.ok).toBe(true);
    }

    // Each visitor's batches go in order, as one browser sends them. Every
    // tenth batch is sent twice at once, as a retry would be.
    const byVisitor = new Map<string, BatchPayload[]>();
    for (const batch of traffic) {
      byVisitor.set(batch.visitorId, [
        ...(byVisitor.get(batch.visitorId) ?? []),
        batch,
      ]);
    }
    const writer = new IngestWriter(pool);
    const outcomes = await Promise.all(
      [...byVisitor.values()].map(async (batches) => {
        const written = [];
        for (const batch of batches) {
          const copies = traffic.indexOf(batch) % 10 === 0 ? 2 : 1;
          written.push(
            ...(await Promise.all(
              Array.from({ length: copies }, () =>
                writer.write(pending(batch, GROUPED)),
              ),
            )),
          );
        }
        return written;
      }),
    );
    const flat = outcomes.flat();
    expect(flat.every((outcome) => outcome.ok)).toBe(true);
    const fresh = flat.filter(
      (outcome) => outcome.ok && !outcome.result.duplicate,
    );
    expect(fresh).toHaveLength(traffic.length);

    const grouped = await rowsOf(GROUPED);
    const oneByOne = await rowsOf(ONE_BY_ONE);
    expect(grouped.events.length).toBeGreaterThan(traffic.length);
    expect(grouped.sessions).toEqual(oneByOne.sessions);
    expect(grouped.pageViews).toEqual(oneByOne.pageViews);
    expect(grouped.events).toEqual(oneByOne.events);
    expect(grouped.receipts).toEqual(oneByOne.receipts);
    expect(grouped.snapshotSlots).toEqual(oneByOne.snapshotSlots);
  });
});
