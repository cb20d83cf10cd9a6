import { prisma, pool } from "~/db.server";
import { catchUpHeatmapRollup } from "~/analytics/heatmap-rollup.server";
import {
  catchUpFriction,
  eventDays,
  insertClicks,
  readAll,
  rollUpAll,
} from "../../test/support/event-readers";
import {
  DEFAULT_PARTITION,
  ensureEventPartitions,
  partitionName,
  weekStart,
} from "./event-partitions.server";
import { dropExpiredEventPartitions } from "./event-retention.server";
import { CURSOR_READERS, QUEUE_READERS } from "./raw-event-readers.server";

// Retention must wait for every job that reads raw events after ingest:
// the heatmap rollup and its bot removal, and the friction detectors and
// their ended-visit queue.

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const RETENTION_DAYS = 90;
const NOW = new Date();
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
const OLD = daysAgo(120);
const RECENT = daysAgo(2);
const OLD_WEEK = partitionName(weekStart(OLD));
const day = (at: Date) => at.toISOString().slice(0, 10);

async function newShop(domain: string) {
  return prisma.shop.create({ data: { domain, timezone: "UTC" } });
}

function dropExpired() {
  return dropExpiredEventPartitions(pool, { retentionDays: RETENTION_DAYS });
}

/** Lists "reader shopId" for each reader holding the old week back. */
function holdersOf(run: Awaited<ReturnType<typeof dropExpired>>) {
  const entry = run.behind.find((kept) => kept.partition === OLD_WEEK);
  return (entry?.readers ?? []).map(
    (behind) => `${behind.reader} ${behind.shopId}`,
  );
}

async function rolledUpClicks(shopId: string) {
  const cells = await prisma.heatmapCell.aggregate({
    where: { shopId },
    _sum: { events: true },
  });
  return cells._sum.events ?? 0;
}

beforeAll(async () => {
  // The weeks from OLD on exist, as a manager running since then made them.
  await ensureEventPartitions(pool, {
    retentionDays: RETENTION_DAYS,
    now: OLD,
  });
  await ensureEventPartitions(pool, { retentionDays: RETENTION_DAYS });
});

// Each test starts with no events and with the old week in place.
afterEach(async () => {
  await pool.query(`DELETE FROM "InteractionEvent"`);
  await ensureEventPartitions(pool, {
    retentionDays: RETENTION_DAYS,
    now: OLD,
  });
});

describe("retention and the readers of raw events", () => {
  it("keeps a week the friction detectors have not read", async () => {
    const shop = await newShop("friction-behind.myshopify.com");
    await insertClicks(pool, shop.id, [OLD, RECENT]);
    await rollUpAll(pool, shop.id);

    const behind = await dropExpired();
    expect(behind.kept).toContain(OLD_WEEK);
    expect(behind.dropped).not.toContain(OLD_WEEK);
    expect(holdersOf(behind)).toEqual([`friction detectors ${shop.id}`]);
    const [entry] = behind.behind.find(
      (kept) => kept.partition === OLD_WEEK,
    )!.readers;
    expect(entry.cursor).toBe("0");
    expect(BigInt(entry.eventId)).toBeGreaterThan(0n);
    expect(await eventDays(pool, shop.id)).toEqual([day(OLD), day(RECENT)]);

    await catchUpFriction(pool, shop.id);
    const caughtUp = await dropExpired();
    expect(caughtUp.kept).toEqual([]);
    expect(caughtUp.dropped).toContain(OLD_WEEK);
    expect(await eventDays(pool, shop.id)).toEqual([day(RECENT)]);
  });

  it("holds a week for the one shop behind", async () => {
    const ahead = await newShop("ahead.myshopify.com");
    const lagging = await newShop("lagging-friction.myshopify.com");
    for (const shop of [ahead, lagging]) {
      await insertClicks(pool, shop.id, [OLD, daysAgo(119), RECENT]);
      await rollUpAll(pool, shop.id);
    }
    await catchUpFriction(pool, ahead.id);

    const held = await dropExpired();
    expect(held.kept).toEqual([OLD_WEEK]);
    expect(holdersOf(held)).toEqual([`friction detectors ${lagging.id}`]);
    expect(await eventDays(pool, ahead.id)).toHaveLength(3);
    expect(await eventDays(pool, lagging.id)).toHaveLength(3);

    await catchUpFriction(pool, lagging.id);
    const freed = await dropExpired();
    expect(freed.kept).toEqual([]);
    expect(freed.dropped).toEqual([OLD_WEEK]);
    expect(await eventDays(pool, ahead.id)).toEqual([day(RECENT)]);
    expect(await eventDays(pool, lagging.id)).toEqual([day(RECENT)]);
  });

  it("waits for a queued visit to be examined", async () => {
    const shop = await newShop("queued-visit.myshopify.com");
    const [visit] = await insertClicks(pool, shop.id, [OLD]);
    await rollUpAll(pool, shop.id);
    // Run as if a minute after the click: the visit has not ended, so the
    // cursor passes its events but the visit waits in the queue.
    await catchUpFriction(pool, shop.id, new Date(OLD.getTime() + MINUTE_MS));
    const queued = await prisma.frictionPendingVisit.findMany({
      where: { shopId: shop.id },
    });
    expect(queued.map((row) => row.sessionId)).toEqual([visit.sessionId]);

    const held = await dropExpired();
    expect(held.kept).toEqual([OLD_WEEK]);
    expect(holdersOf(held)).toEqual([`friction ended visits ${shop.id}`]);
    const [entry] = held.behind[0].readers;
    expect(entry.sessions).toBe(1);
    expect(entry.cursor).toBeNull();

    await catchUpFriction(pool, shop.id);
    expect(
      await prisma.frictionPendingVisit.count({ where: { shopId: shop.id } }),
    ).toBe(0);
    const freed = await dropExpired();
    expect(freed.dropped).toEqual([OLD_WEEK]);
    expect(await eventDays(pool, shop.id)).toEqual([]);
  });

  it("waits for a bot's clicks to leave the heatmap", async () => {
    const shop = await newShop("late-bot.myshopify.com");
    const [, bot] = await insertClicks(pool, shop.id, [OLD, OLD]);
    await readAll(pool, shop.id);
    expect(await rolledUpClicks(shop.id)).toBe(2);
    // Flagging the visit as a bot queues it for removal from the rollup.
    await pool.query(
      `UPDATE "VisitorSession" SET "isBot" = true
       WHERE "shopId" = $1 AND id = $2`,
      [shop.id, bot.sessionId],
    );

    const held = await dropExpired();
    expect(held.kept).toEqual([OLD_WEEK]);
    expect(holdersOf(held)).toEqual([`heatmap bot removal ${shop.id}`]);

    await catchUpHeatmapRollup(pool, shop.id);
    expect(await rolledUpClicks(shop.id)).toBe(1);
    const freed = await dropExpired();
    expect(freed.dropped).toEqual([OLD_WEEK]);
    // The rollup keeps the human's click after its raw row is gone.
    expect(await rolledUpClicks(shop.id)).toBe(1);
  });

  it("keeps expired DEFAULT rows a reader still needs", async () => {
    const first = await newShop("stray-first.myshopify.com");
    const second = await newShop("stray-second.myshopify.com");
    // No week partition covers 200 days ago, so these rows land in DEFAULT.
    const stray = daysAgo(200);
    for (const shop of [first, second]) {
      await insertClicks(pool, shop.id, [stray, RECENT]);
      await rollUpAll(pool, shop.id);
    }
    const where = await pool.query<{ partition: string }>(
      `SELECT DISTINCT tableoid::regclass::text AS partition
       FROM "InteractionEvent" WHERE "occurredAt" < $1`,
      [daysAgo(150)],
    );
    expect(where.rows).toEqual([{ partition: `"${DEFAULT_PARTITION}"` }]);
    await catchUpFriction(pool, first.id);

    const held = await dropExpired();
    expect(held.strayRows).toBe(1);
    expect(held.keptStrayRows).toEqual({ "friction detectors": 1 });
    expect(await eventDays(pool, first.id)).toEqual([day(RECENT)]);
    expect(await eventDays(pool, second.id)).toEqual([day(stray), day(RECENT)]);

    await catchUpFriction(pool, second.id);
    const freed = await dropExpired();
    expect(freed.strayRows).toBe(1);
    expect(freed.keptStrayRows).toEqual({});
    expect(await eventDays(pool, second.id)).toEqual([day(RECENT)]);
  });

  it("lists every cursor table of the schema", async () => {
    // A new job that keeps an event cursor must be listed, or retention
    // drops rows it has not read.
    const tables = await pool.query<{ table: string }>(
      `SELECT table_name AS table FROM information_schema.columns
       WHERE table_schema = current_schema() AND column_name = 'lastEventId'
       ORDER BY table_name`,
    );
    expect(tables.rows.map((row) => row.table)).toEqual(
      CURSOR_READERS.map((reader) => reader.table).sort(),
    );
    for (const reader of QUEUE_READERS) {
      const columns = await pool.query<{ column: string }>(
        `SELECT column_name AS column FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1
           AND column_name IN ('shopId', 'sessionId')`,
        [reader.table],
      );
      expect(columns.rows, reader.table).toHaveLength(2);
    }
  });
});
