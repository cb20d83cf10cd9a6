import { prisma, pool } from "~/db.server";
import {
  eventDays,
  insertClicks,
  readAll,
} from "../../test/support/event-readers";
import {
  DEFAULT_PARTITION,
  ensureEventPartitions,
  listEventPartitions,
  partitionName,
  weekStart,
} from "./event-partitions.server";
import {
  INGEST_BATCH_DEDUP_DAYS,
  PRUNE_CHUNK_ROWS,
  dropExpiredEventPartitions,
  pruneIngestBatches,
  pruneWebhookDeliveries,
} from "./event-retention.server";
import { maintainEventStorage } from "./event-storage-job.server";

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 90;
const NOW = new Date();
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

async function newShop(domain: string) {
  return prisma.shop.create({ data: { domain, timezone: "UTC" } });
}

const day = (at: Date) => at.toISOString().slice(0, 10);

async function rolledUpClicks(shopId: string) {
  const cells = await prisma.heatmapCell.aggregate({
    where: { shopId },
    _sum: { events: true },
  });
  return cells._sum.events ?? 0;
}

describe("raw event retention", () => {
  it("keeps an expired week the heatmap rollup has not read", async () => {
    const shop = await newShop("lagging.myshopify.com");
    const old = daysAgo(125);
    await ensureEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
      now: old,
    });
    await insertClicks(pool, shop.id, [old]);
    const week = partitionName(weekStart(old));

    const first = await dropExpiredEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
    });
    expect(first.kept).toEqual([week]);
    expect(first.dropped).not.toContain(week);
    expect(await eventDays(pool, shop.id)).toEqual([day(old)]);

    await readAll(pool, shop.id);
    const second = await dropExpiredEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
    });
    expect(second.kept).toEqual([]);
    expect(second.dropped).toContain(week);
    expect(await eventDays(pool, shop.id)).toEqual([]);
    expect(await rolledUpClicks(shop.id)).toBe(1);
  });

  it("drops exactly the expired weeks and keeps both shops' rows", async () => {
    const first = await newShop("first.myshopify.com");
    const second = await newShop("second.myshopify.com");
    const gone = await newShop("gone.myshopify.com");
    await ensureEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
      now: daysAgo(100),
    });
    const dates = [daysAgo(100), daysAgo(85), daysAgo(1)];
    await insertClicks(pool, first.id, dates);
    await insertClicks(pool, second.id, [...dates, daysAgo(2)]);
    // An uninstalled shop's rollup no longer runs, so its unread events do
    // not hold the week back.
    await insertClicks(pool, gone.id, [daysAgo(100)]);
    await prisma.shop.update({
      where: { id: gone.id },
      data: { uninstalledAt: new Date() },
    });
    await readAll(pool, first.id);
    await readAll(pool, second.id);

    const cutoff = daysAgo(RETENTION_DAYS);
    const before = await listEventPartitions(pool);
    const expired = before.filter((p) => p.to <= cutoff).map((p) => p.name);
    const kept = before.filter((p) => p.to > cutoff).map((p) => p.name);
    expect(expired).toContain(partitionName(weekStart(daysAgo(100))));
    expect(kept).toContain(partitionName(weekStart(daysAgo(85))));
    expect(kept).toContain(partitionName(weekStart(cutoff)));

    const run = await dropExpiredEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
      now: NOW,
    });
    expect(run.dropped).toEqual(expired);
    expect(run.kept).toEqual([]);
    const after = await listEventPartitions(pool);
    expect(after.map((p) => p.name)).toEqual(kept);

    expect(await eventDays(pool, first.id)).toEqual([
      day(daysAgo(85)),
      day(daysAgo(1)),
    ]);
    expect(await eventDays(pool, second.id)).toEqual([
      day(daysAgo(85)),
      day(daysAgo(2)),
      day(daysAgo(1)),
    ]);
    expect(await eventDays(pool, gone.id)).toEqual([]);
    // The rollup keeps every click, the dropped ones included.
    expect(await rolledUpClicks(first.id)).toBe(3);
    expect(await rolledUpClicks(second.id)).toBe(4);

    const again = await dropExpiredEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
      now: NOW,
    });
    expect(again.dropped).toEqual([]);
  });

  it("leaves a week it cannot lock for the next run", async () => {
    const shop = await newShop("locked.myshopify.com");
    const old = daysAgo(110);
    await ensureEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
      now: old,
    });
    await insertClicks(pool, shop.id, [old]);
    await readAll(pool, shop.id);
    const week = partitionName(weekStart(old));

    // An open transaction that has read the table holds a lock that DROP
    // TABLE must wait for.
    const reader = await pool.connect();
    try {
      await reader.query("BEGIN");
      await reader.query(`SELECT count(*) FROM "InteractionEvent"`);
      const blocked = await dropExpiredEventPartitions(pool, {
        retentionDays: RETENTION_DAYS,
      });
      expect(blocked.busy).toContain(week);
      expect(blocked.dropped).not.toContain(week);
      expect(await eventDays(pool, shop.id)).toEqual([day(old)]);
    } finally {
      await reader.query("ROLLBACK");
      reader.release();
    }

    const free = await dropExpiredEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
    });
    expect(free.busy).toEqual([]);
    expect(free.dropped).toContain(week);
    expect(await eventDays(pool, shop.id)).toEqual([]);
  });

  it("deletes expired rows from DEFAULT once they are rolled up", async () => {
    const shop = await newShop("stray.myshopify.com");
    const stray = daysAgo(200);
    await insertClicks(pool, shop.id, [stray, daysAgo(3)]);
    const where = await pool.query<{ partition: string }>(
      `SELECT tableoid::regclass::text AS partition FROM "InteractionEvent"
       WHERE "shopId" = $1 ORDER BY "occurredAt"`,
      [shop.id],
    );
    expect(where.rows[0].partition).toBe(`"${DEFAULT_PARTITION}"`);

    const unread = await dropExpiredEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
    });
    expect(unread.strayRows).toBe(0);
    expect(await eventDays(pool, shop.id)).toEqual([
      day(stray),
      day(daysAgo(3)),
    ]);

    await readAll(pool, shop.id);
    const read = await dropExpiredEventPartitions(pool, {
      retentionDays: RETENTION_DAYS,
    });
    expect(read.strayRows).toBe(1);
    expect(await eventDays(pool, shop.id)).toEqual([day(daysAgo(3))]);
  });
});

describe("dedup receipt pruning", () => {
  async function insertReceipts(shopId: string, count: number, at: Date) {
    await pool.query(
      `INSERT INTO "IngestBatch" ("shopId", id, "receivedAt", "eventCount",
                                  "pageCount")
       SELECT $1, gen_random_uuid(), $2, 1, 1 FROM generate_series(1, $3)`,
      [shopId, at, count],
    );
  }

  async function receipts(shopId: string) {
    return prisma.ingestBatch.count({ where: { shopId } });
  }

  it("prunes ingest receipts past the dedup window, shop by shop", async () => {
    const big = await newShop("receipts-big.myshopify.com");
    const small = await newShop("receipts-small.myshopify.com");
    const stale = daysAgo(INGEST_BATCH_DEDUP_DAYS + 1);
    const fresh = daysAgo(INGEST_BATCH_DEDUP_DAYS - 1);
    // More than two chunks, so the loop has to come back for the rest.
    await insertReceipts(big.id, 2 * PRUNE_CHUNK_ROWS + 7, stale);
    await insertReceipts(big.id, 3, fresh);
    await insertReceipts(small.id, 2, stale);
    await insertReceipts(small.id, 2, daysAgo(0));

    expect(await pruneIngestBatches(pool, NOW)).toBe(2 * PRUNE_CHUNK_ROWS + 9);
    expect(await receipts(big.id)).toBe(3);
    expect(await receipts(small.id)).toBe(2);
    expect(await pruneIngestBatches(pool, NOW)).toBe(0);
  });

  it("prunes webhook deliveries older than a week", async () => {
    for (const [days, count] of [
      [8, 3],
      [6, 2],
    ]) {
      await pool.query(
        `INSERT INTO "WebhookDelivery" (id, "shopDomain", topic, "receivedAt")
         SELECT gen_random_uuid()::text, 'hooks.myshopify.com', 'orders/paid', $1
         FROM generate_series(1, $2)`,
        [daysAgo(days), count],
      );
    }
    expect(await pruneWebhookDeliveries(pool, NOW)).toBe(3);
    expect(await prisma.webhookDelivery.count()).toBe(2);
  });

  it("runs every step from the storage job", async () => {
    const shop = await newShop("job.myshopify.com");
    await insertReceipts(shop.id, 4, daysAgo(INGEST_BATCH_DEDUP_DAYS + 3));
    // The weeks ahead exist already, as after any earlier run.
    await ensureEventPartitions(pool, { retentionDays: RETENTION_DAYS });
    const result = await maintainEventStorage(pool, {
      retentionDays: RETENTION_DAYS,
    });
    expect(result.ingestBatches).toBe(4);
    expect(result.partitions.created).toEqual([]);
    expect(result.retention.kept).toEqual([]);
    expect(await receipts(shop.id)).toBe(0);
  });
});
