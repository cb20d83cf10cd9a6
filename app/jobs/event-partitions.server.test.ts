import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import {
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
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
    // The six weeks from 31 days back to this one, and those ahead.
    expect(expected).toHaveLength(6 + WEEKS_AHEAD);
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
    // Each week is created once, by one run or the other.
    expect(new Set(created).size).toBe(created.length);
    expect(created).toHaveLength(6 + WEEKS_AHEAD);
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
    expect(run.created).toHaveLength(6 + WEEKS_AHEAD);
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

describe("moving a full DEFAULT", () => {
  // Weeks no other test touches: Monday 2037-03-02 and the week after.
  const WEEK_A = new Date("2037-03-02T00:00:00Z");
  const WEEK_B = new Date("2037-03-09T00:00:00Z");
  const NOW = new Date("2037-03-12T12:00:00Z");

  /** Inserts `count` clicks one minute apart from `from`, in one statement. */
  async function fillRows(shopId: string, from: Date, count: number) {
    await pool.query(
      `INSERT INTO "InteractionEvent"
         ("shopId", "pageViewId", "sessionId", type, "occurredAt",
          "clientAt", path, device, "viewportWidth", "viewportHeight",
          selector, "batchId")
       SELECT $1, gen_random_uuid(), gen_random_uuid(), 'click',
              $2::timestamp + g * interval '1 minute',
              $2::timestamp + g * interval '1 minute', '/products/shirt',
              'desktop', 1440, 900, '#buy', gen_random_uuid()
       FROM generate_series(0, $3 - 1) g`,
      [shopId, from.toISOString().slice(0, 23), count],
    );
  }

  /** Lists every event of the shops as "id occurredAt partition", by id. */
  async function rowsOf(shopIds: string[]) {
    const result = await pool.query<{ row: string }>(
      `SELECT id || ' ' || "occurredAt"::text || ' ' ||
              tableoid::regclass::text AS row
       FROM "InteractionEvent" WHERE "shopId" = ANY($1) ORDER BY id`,
      [shopIds],
    );
    return result.rows.map((row) => row.row.replaceAll('"', ""));
  }

  it("moves rows of two weeks in chunks with ingest running", async () => {
    const shop = await newShop("full-default.myshopify.com");
    const redacted = await newShop("redacted-mid-move.myshopify.com");
    // Past the in-place limit, and more than two copy chunks: from Thursday
    // of week A well into week B.
    await fillRows(shop.id, new Date("2037-03-05T00:00:00Z"), 12_500);
    await fillRows(redacted.id, new Date("2037-03-06T00:00:00Z"), 3_000);
    // A row no week of the run covers stays in DEFAULT.
    await fillRows(shop.id, new Date("2039-01-05T00:00:00Z"), 1);
    const before = await rowsOf([shop.id]);
    expect(before.every((row) => row.endsWith(DEFAULT_PARTITION))).toBe(true);

    // Ingest keeps writing into both weeks while the run works, and a
    // redaction deletes the second shop's rows.
    let running = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; running; i++) {
        const week = i % 2 === 0 ? WEEK_A : WEEK_B;
        const at = new Date(week.getTime() + i * 1000);
        if (i % 3 > 0) {
          await insertClickAt(shop.id, at);
          written += 1;
          continue;
        }
        // Every third write goes through the ingest endpoint, whose
        // events go in with COPY.
        const page = makePage({ startedAt: at.getTime() - 4000 });
        const batch = makeBatch(shop.domain, {
          sentAt: at.getTime(),
          pages: [page],
          events: [makeClick(page, { at: at.getTime() - 3000 })],
        });
        const response = await handleBatch(
          postJson("https://storelens.test/collect", batch),
          { pool, logger: pino({ level: "silent" }), now: () => at },
        );
        expect(response.status).toBe(200);
        written += 1;
      }
    })();
    let deleted = 0;
    const redaction = (async () => {
      while (running) {
        const result = await pool.query(
          `DELETE FROM "InteractionEvent"
           WHERE ("shopId", id, "occurredAt") IN (
             SELECT "shopId", id, "occurredAt" FROM "InteractionEvent"
             WHERE "shopId" = $1 ORDER BY id LIMIT 50)`,
          [redacted.id],
        );
        deleted += result.rowCount ?? 0;
      }
    })();
    const run = await ensureEventPartitions(pool, { ...RETENTION, now: NOW });
    running = false;
    await writer;
    await redaction;

    const weekA = partitionName(WEEK_A);
    const weekB = partitionName(WEEK_B);
    expect(run.created).toContain(weekA);
    expect(run.created).toContain(weekB);
    expect(run.moved).toBeGreaterThanOrEqual(12_500);
    expect(written).toBeGreaterThan(2);

    // Every row is stored once, in the week of its time.
    const after = await rowsOf([shop.id]);
    expect(after).toHaveLength(before.length + written);
    const ids = after.map((row) => row.split(" ")[0]);
    expect(new Set(ids).size).toBe(ids.length);
    const beforeIds = new Set(before.map((row) => row.split(" ")[0]));
    expect(ids.filter((id) => beforeIds.has(id))).toHaveLength(before.length);
    const partitions = await listEventPartitions(pool);
    for (const row of after) {
      const [, date, time, partition] = row.split(" ");
      const at = new Date(`${date}T${time}Z`);
      const week = partitions.find((p) => p.from <= at && at < p.to);
      expect(partition, row).toBe(week?.name ?? DEFAULT_PARTITION);
    }
    expect(after.filter((row) => row.endsWith(DEFAULT_PARTITION))).toHaveLength(
      1,
    );
    // Rows deleted while they were copied stay deleted.
    expect(deleted).toBeGreaterThan(0);
    expect(await rowsOf([redacted.id])).toHaveLength(3_000 - deleted);

    // The new weeks carry the same indexes as a week made in place, and
    // nothing of the move is left over.
    const indexes = async (table: string) => {
      const result = await pool.query<{ definition: string }>(
        `SELECT replace(replace(indexdef, indexname, 'INDEX'), tablename,
                        'TABLE') AS definition
         FROM pg_indexes WHERE tablename = $1 ORDER BY 1`,
        [table],
      );
      return result.rows.map((row) => row.definition);
    };
    const inPlace = partitions.find(
      (p) => p.name !== weekA && p.name !== weekB,
    )!;
    expect(await indexes(inPlace.name)).toHaveLength(4);
    expect(await indexes(weekA)).toEqual(await indexes(inPlace.name));
    expect(await indexes(weekB)).toEqual(await indexes(inPlace.name));
    expect(await indexes(DEFAULT_PARTITION)).toEqual(
      await indexes(inPlace.name),
    );
    // Each week has the table's foreign key, once.
    for (const week of [weekA, weekB]) {
      const keys = await pool.query<{ inherited: boolean }>(
        `SELECT conparentid <> 0 AS inherited FROM pg_constraint
         WHERE conrelid = $1::regclass AND contype = 'f'`,
        [`"${week}"`],
      );
      expect(keys.rows, week).toEqual([{ inherited: true }]);
    }
    const leftovers = await pool.query(
      `SELECT relname FROM pg_class
       WHERE relkind = 'r' AND NOT relispartition
         AND relname LIKE 'InteractionEvent_%'
       UNION ALL
       SELECT tgname FROM pg_trigger WHERE tgname LIKE 'interaction_event%'`,
    );
    expect(leftovers.rows).toEqual([]);
    const again = await ensureEventPartitions(pool, { ...RETENTION, now: NOW });
    expect(again.created).toEqual([]);
  });

  it("clears what a crashed move left and moves again", async () => {
    const shop = await newShop("crashed-move.myshopify.com");
    const week = new Date("2038-05-03T00:00:00Z");
    const now = new Date("2038-05-05T00:00:00Z");
    // A week has 10,080 minutes, so every row falls in that week.
    await fillRows(shop.id, week, 10_050);
    const before = await rowsOf([shop.id]);
    // A run that died after making its shadow week and trigger.
    await pool.query(
      `CREATE TABLE "${partitionName(week)}"
         (LIKE "InteractionEvent" INCLUDING DEFAULTS INCLUDING INDEXES)`,
    );
    await pool.query(
      `CREATE FUNCTION interaction_event_default_sync() RETURNS trigger
       LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END; $$`,
    );
    await pool.query(
      `CREATE TRIGGER interaction_event_default_sync
       AFTER INSERT OR DELETE ON "InteractionEvent_default"
       FOR EACH ROW EXECUTE FUNCTION interaction_event_default_sync()`,
    );

    const run = await ensureEventPartitions(pool, { ...RETENTION, now });
    expect(run.created).toContain(partitionName(week));
    const after = await rowsOf([shop.id]);
    expect(after).toHaveLength(before.length);
    expect(after.every((row) => row.endsWith(` ${partitionName(week)}`))).toBe(
      true,
    );
  });

  it("swaps only once older snapshots are gone", async () => {
    const shop = await newShop("old-snapshot.myshopify.com");
    const week = new Date("2040-01-02T00:00:00Z");
    await fillRows(shop.id, week, 10_050);
    // A reader that took its snapshot before the copy and reads the table
    // only later, as a REPEATABLE READ rollup run may.
    const reader = await pool.connect();
    try {
      await reader.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await reader.query(`SELECT 1 FROM "Shop" LIMIT 1`);

      const run = ensureEventPartitions(pool, {
        ...RETENTION,
        now: new Date("2040-01-03T00:00:00Z"),
      });
      // The copy fills the shadow week; the swap must wait for the reader.
      for (let waited = 0; waited < 10_000; waited += 100) {
        const copied = await pool
          .query(`SELECT count(*)::int AS rows FROM "${partitionName(week)}"`)
          .catch(() => ({ rows: [{ rows: 0 }] }));
        if (copied.rows[0].rows >= 10_050) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const names = (await listEventPartitions(pool)).map((p) => p.name);
      expect(names).not.toContain(partitionName(week));

      const seen = await reader.query<{ rows: number }>(
        `SELECT count(*)::int AS rows FROM "InteractionEvent"
         WHERE "shopId" = $1`,
        [shop.id],
      );
      expect(seen.rows[0].rows).toBe(10_050);
      await reader.query("COMMIT");
      expect((await run).created).toContain(partitionName(week));
    } finally {
      reader.release();
    }
    expect(await rowsOf([shop.id])).toHaveLength(10_050);
  });
});
