import type pg from "pg";
import { withTransaction } from "../transaction.server";
import { DeviceClockOffsets, correctClientTime } from "./clock-offset.server";
import type { ValidBatch } from "./batch-schema.server";
import {
  claimSnapshots,
  insertEvents,
  insertPageViews,
  pageEventsOf,
  raiseScrollDepth,
  resolvePages,
} from "./write-page-events.server";
import { insertExposures } from "./write-exposures.server";
import { insertShopifyEvents } from "./write-shopify-events.server";
import { upsertVisitorSession } from "./write-visitor-session.server";

export interface IngestShop {
  id: string;
  timezone: string;
  storefrontOrigins: string[];
}

export interface WriteContext {
  receivedAt: Date;
  userAgent: string | null;
  isBot: boolean;
  /** Device clock observations; the process-wide store when absent. */
  clockOffsets?: DeviceClockOffsets;
}

export interface WriteResult {
  duplicate: boolean;
  events: number;
  pages: number;
  snapshotPages: string[];
}

/**
 * The oldest a corrected event time may be. Live scripts send within
 * seconds and retry for minutes; the bound is a month so that replays of
 * recorded traffic (the demo seeder) keep their days, while a broken clock
 * can no longer date an event decades back.
 */
const MAX_EVENT_AGE_MS = 31 * 24 * 60 * 60 * 1000;

/** Clock observations of the devices that sent batches to this process. */
const deviceClocks = new DeviceClockOffsets();

/**
 * Shifts browser timestamps onto the server clock by the device's offset
 * estimate (the smallest receipt-minus-sentAt over its recent batches, see
 * clock-offset.server.ts), then clamps them to the month before receipt.
 */
function clockCorrection(
  shop: IngestShop,
  batch: ValidBatch,
  receivedAt: Date,
  clocks: DeviceClockOffsets,
) {
  const offset = clocks.observe(
    `${shop.id} ${batch.visitorId}`,
    batch.sentAt,
    receivedAt.getTime(),
  );
  const latest = receivedAt.getTime();
  const bounds = { earliest: latest - MAX_EVENT_AGE_MS, latest };
  return (at: number) => correctClientTime(at, offset, bounds);
}

/**
 * Writes one validated batch in a single transaction: the batch id (so a
 * retry is stored once), the visitor session, its page views and the raw
 * events. Returns the page views for which a DOM snapshot is wanted.
 */
export async function writeBatch(
  pool: pg.Pool,
  shop: IngestShop,
  batch: ValidBatch,
  context: WriteContext,
): Promise<WriteResult> {
  return withTransaction(pool, (client) =>
    writeInTransaction(client, shop, batch, context),
  );
}

async function writeInTransaction(
  client: pg.PoolClient,
  shop: IngestShop,
  batch: ValidBatch,
  context: WriteContext,
): Promise<WriteResult> {
  const claimed = await client.query(
    `INSERT INTO "IngestBatch" ("shopId", id, "eventCount", "pageCount", "receivedAt")
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT ("shopId", id) DO NOTHING
     RETURNING id`,
    [
      shop.id,
      batch.batchId,
      batch.events.length,
      batch.pages.length,
      context.receivedAt,
    ],
  );
  if (claimed.rowCount === 0) {
    return { duplicate: true, events: 0, pages: 0, snapshotPages: [] };
  }

  const corrected = clockCorrection(
    shop,
    batch,
    context.receivedAt,
    context.clockOffsets ?? deviceClocks,
  );
  const pageEvents = pageEventsOf(batch);
  const { pages, newPageIds } = await resolvePages(client, shop, batch);
  await upsertVisitorSession(
    client,
    shop,
    batch,
    pageEvents,
    corrected,
    context,
  );
  await insertPageViews(client, shop, batch, corrected);
  await insertEvents(client, shop, batch, pages, corrected, context.receivedAt);
  await raiseScrollDepth(client, shop, pageEvents, batch.sessionId);
  await insertShopifyEvents(client, shop, batch, corrected, context.receivedAt);
  await insertExposures(client, shop, batch, corrected);
  await client.query(
    `UPDATE "Shop" SET "firstEventAt" = $2
     WHERE id = $1 AND "firstEventAt" IS NULL`,
    [shop.id, context.receivedAt],
  );
  const snapshotPages = context.isBot
    ? []
    : await claimSnapshots(client, shop, batch, newPageIds, context.receivedAt);
  return {
    duplicate: false,
    events: batch.events.length,
    pages: batch.pages.length,
    snapshotPages,
  };
}
