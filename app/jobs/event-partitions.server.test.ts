import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { makeBatch, makePage, postJson } from "../../test/support/batches";
import { insertEvents, insertVisit } from "../../test/support/heatmap-rows";
import {
  DEFAULT_PARTITION,
  WEEKS_AHEAD,
  ensureEventPartitions,
  listEventPartitions,
  partitionName,
  weekStart,
} from "./event-partitions.server";

const DAY_MS = 86_400_000;
const RETENTION = { retentionDays: 90 };

async function newShop(domain: string) {
  return prisma.shop.create({ data: { domain, timezone: "UTC" } });
}

/** Lists the shop's events as [event time, partition], oldest first. */
async function placement(shopId: string) {
  const result = await pool.query<{ at: string; partition: string }>(
    `SELECT "occurredAt"::text AS at, tableoid::regclass::text AS partition
     FROM "InteractionEvent" WHERE "shopId" = $1 ORDER BY "occurredAt"`,
    [shopId],
  );
  return result.rows.map((row) => [row.at, row.partition.replaceAll('"', "")]);
}

async function insertClickAt(shopId: string, at: Date) {
  const visit = await insertVisit(pool, shopId, { at });
  await insertEvents(pool, shopId, visit, [{ at, selector: "#buy" }]);
}

describe("weekStart", () => {
  it("returns Monday 00:00 UTC of the week", () => {
    // 2026-12-06 is a Sunday, 2026-11-30 the Monday before it.
    expect(weekStart(new Date("2026-12-06T23:59:59Z")).toISOString()).toBe(
      "2026-11-30T00:00:00.000Z",
    );
    expect(weekStart(new Date("2026-11-30T00:00:00Z")).toISOString()).toBe(
      "2026-11-30T00:00:00.000Z",
    );
    expect(weekStart(new Date("2026-11-29T23:59:59Z")).toISOString()).toBe(
      "2026-11-23T00:00:00.000Z",
    );
  });

  it("names a partition after its Monday", () => {
    expect(partitionName(new Date("2026-11-30T00:00:00Z"))).toBe(
      "InteractionEvent_w20261130",
    );
  });
});

describe("event partition manager", () => {
  it("creates the weeks ahead with every index", async () => {
    const now = new Date("2031-03-05T10:00:00Z");
    const run = await ensureEventPartitions(pool, { ...RETENTION, now });

    // From the week of the oldest accepted event date (31 days back) to
    // WEEKS_AHEAD weeks after this one.
    const expected: string[] = [];
    const first = weekStart(new Date(now.getTime() - 31 * DAY_MS));
    const last = weekStart(now).getTime() + WEEKS_AHEAD * 7 * DAY_MS;
    for (let at = first.getTime(); at <= last; at += 7 * DAY_MS) {
      expected.push(partitionName(new Date(at)));
    }
    expect(expected).toHaveLength(10);
    expect(run.created).toEqual(expected);
    expect(run.moved).toBe(0);

    const partitions = await listEventPartitions(pool);
    const created = partitions.filter((p) => expected.includes(p.name));
    expect(created.map((p) => p.name)).toEqual(expected);
    for (const partition of created) {
      expect(partition.to.getTime() - partition.from.getTime()).toBe(
        7 * DAY_MS,
      );
    }
    const indexes = await pool.query<{ count: string }>(
      `SELECT count(*) FROM pg_indexes WHERE tablename = $1`,
      [expected[0]],
    );
    expect(Number(indexes.rows[0].count)).toBe(4);

    const again = await ensureEventPartitions(pool, { ...RETENTION, now });
    expect(again.created).toEqual([]);
  });

  it("moves a far-future row out of DEFAULT when its week comes", async () => {
    const shop = await newShop("future.myshopify.com");
    const at = new Date("2032-06-10T08:00:00Z");
    await insertClickAt(shop.id, at);
    expect(await placement(shop.id)).toEqual([
      ["2032-06-10 08:00:00", DEFAULT_PARTITION],
    ]);
    const [before] = (
      await pool.query<{ id: string }>(
        `SELECT id::text FROM "InteractionEvent" WHERE "shopId" = $1`,
        [shop.id],
      )
    ).rows;

    // Today's run leaves the row where it is, because its week is years
    // ahead.
    const today = await ensureEventPartitions(pool, RETENTION);
    expect(today.strays).toBeGreaterThanOrEqual(1);
    expect((await placement(shop.id))[0][1]).toBe(DEFAULT_PARTITION);

    const run = await ensureEventPartitions(pool, {
      ...RETENTION,
      now: new Date("2032-06-01T00:00:00Z"),
    });
    expect(run.created).toContain("InteractionEvent_w20320607");
    expect(run.moved).toBe(1);
    expect(await placement(shop.id)).toEqual([
      ["2032-06-10 08:00:00", "InteractionEvent_w20320607"],
    ]);
    const after = await pool.query<{ id: string }>(
      `SELECT id::text FROM "InteractionEvent" WHERE "shopId" = $1`,
      [shop.id],
    );
    expect(after.rows).toEqual([before]);
  });

  it("gives a past row within retention its own week", async () => {
    const shop = await newShop("past.myshopify.com");
    const now = new Date("2033-01-10T12:00:00Z");
    // 70 days back: older than anything live ingest writes, so no week of
    // the live span covers it, but within the 90 days kept.
    const old = new Date(now.getTime() - 70 * DAY_MS);
    const expired = new Date(now.getTime() - 120 * DAY_MS);
    await insertClickAt(shop.id, old);
    await insertClickAt(shop.id, expired);

    const run = await ensureEventPartitions(pool, { ...RETENTION, now });
    const week = partitionName(weekStart(old));
    expect(run.created).toContain(week);
    expect(run.created).not.toContain(partitionName(weekStart(expired)));
    expect(run.moved).toBe(1);
    expect(
      (await placement(shop.id)).map(([, partition]) => partition),
    ).toEqual([DEFAULT_PARTITION, week]);
  });

  it("runs twice at once without a clash", async () => {
    const shop = await newShop("race.myshopify.com");
    const now = new Date("2034-09-20T00:00:00Z");
    const stray = new Date("2034-10-01T00:00:00Z");
    await insertClickAt(shop.id, stray);

    const runs = await Promise.all([
      ensureEventPartitions(pool, { ...RETENTION, now }),
      ensureEventPartitions(pool, { ...RETENTION, now }),
    ]);
    const created = runs.flatMap((run) => run.created);
    // One run does the work, the other then finds it done.
    expect(runs.some((run) => run.created.length === 0)).toBe(true);
    expect(new Set(created).size).toBe(created.length);
    expect(created).toHaveLength(10);
    expect(runs[0].moved + runs[1].moved).toBe(1);
    expect(await placement(shop.id)).toEqual([
      ["2034-10-01 00:00:00", partitionName(weekStart(stray))],
    ]);
  });

  it("keeps ingest writing while the manager runs", async () => {
    const shop = await newShop("busy.myshopify.com");
    const now = new Date("2035-02-14T00:00:00Z");
    const writes = Array.from({ length: 40 }, (_, i) =>
      insertClickAt(shop.id, new Date(now.getTime() + i * DAY_MS)),
    );
    const [run] = await Promise.all([
      ensureEventPartitions(pool, { ...RETENTION, now }),
      ...writes,
    ]);
    expect(run.created).toHaveLength(10);
    const stored = await placement(shop.id);
    expect(stored).toHaveLength(40);
    // Every row of a week the run created ended up in that week, wherever
    // it was first written.
    const partitions = await listEventPartitions(pool);
    for (const [at, partition] of stored) {
      const time = new Date(`${at.replace(" ", "T")}Z`);
      const week = partitions.find((p) => p.from <= time && time < p.to);
      expect(partition).toBe(week?.name ?? DEFAULT_PARTITION);
    }
  });
});

describe("ingest into the partitioned table", () => {
  it("stores a batch from /collect in its week", async () => {
    const shop = await newShop("collect.myshopify.com");
    const sentAt = Date.now();
    const page = makePage({ startedAt: sentAt - 4000 });
    const batch = makeBatch("collect.myshopify.com", {
      sentAt,
      pages: [page],
      events: [
        {
          type: "click",
          page: page.id,
          at: sentAt - 3000,
          x: 10,
          y: 20,
          viewportWidth: 1440,
          viewportHeight: 900,
          selector: "#buy",
          offsetX: 0.5,
          offsetY: 0.5,
          fixed: false,
          touch: false,
        },
      ],
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await handleBatch(
        postJson("https://storelens.test/collect", batch),
        { pool, logger: pino({ level: "silent" }), now: () => new Date() },
      );
      expect(response.status).toBe(200);
    }

    const stored = await placement(shop.id);
    expect(stored).toHaveLength(1);
    const at = new Date(`${stored[0][0].replace(" ", "T")}Z`);
    expect(stored[0][1]).toBe(partitionName(weekStart(at)));
  });
});
