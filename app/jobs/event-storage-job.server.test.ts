import PgBoss from "pg-boss";
import { pool, prisma } from "~/db.server";
import {
  WEEKS_AHEAD,
  listEventPartitions,
  partitionName,
  quoteIdentifier,
  weekStart,
} from "./event-partitions.server";
import { INGEST_BATCH_DEDUP_DAYS } from "./event-retention.server";
import {
  EVENT_STORAGE_QUEUE,
  registerEventStorageJobs,
} from "./event-storage-job.server";

// The queue as the server registers it: partitions are made at start, and
// a queued run prunes what has expired.

const DAY_MS = 86_400_000;
let boss: PgBoss;
// Kept rather than thrown: pg-boss may still hold a connection when this
// file's database is dropped after the tests, and it reports that as an error.
const bossErrors: Error[] = [];

beforeAll(async () => {
  boss = new PgBoss({ connectionString: process.env.DATABASE_URL, max: 2 });
  boss.on("error", (error) => bossErrors.push(error));
  await boss.start();
});

afterAll(async () => {
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  expect(bossErrors).toEqual([]);
});

/** Polls the job until it has completed or failed, for up to 25 s. */
async function settledJob(id: string) {
  for (let waited = 0; waited < 25_000; waited += 250) {
    const job = await boss.getJobById(EVENT_STORAGE_QUEUE, id);
    if (job?.state === "completed" || job?.state === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`event storage job ${id} did not finish within 25 s`);
}

describe("event storage job", () => {
  it("creates partitions at registration and runs when queued", async () => {
    const lastWeek = partitionName(
      new Date(weekStart(new Date()).getTime() + WEEKS_AHEAD * 7 * DAY_MS),
    );
    await pool.query(`DROP TABLE IF EXISTS ${quoteIdentifier(lastWeek)}`);
    expect((await listEventPartitions(pool)).map((p) => p.name)).not.toContain(
      lastWeek,
    );

    await registerEventStorageJobs(boss, pool, { retentionDays: 90 });
    expect((await listEventPartitions(pool)).map((p) => p.name)).toContain(
      lastWeek,
    );
    const schedules = await boss.getSchedules();
    expect(schedules.map((s) => [s.name, s.cron])).toContainEqual([
      EVENT_STORAGE_QUEUE,
      "41 * * * *",
    ]);

    const shop = await prisma.shop.create({
      data: { domain: "storage-job.myshopify.com", timezone: "UTC" },
    });
    await pool.query(
      `INSERT INTO "IngestBatch" ("shopId", id, "receivedAt", "eventCount",
                                  "pageCount")
       VALUES ($1, gen_random_uuid(), $2, 1, 1)`,
      [shop.id, new Date(Date.now() - (INGEST_BATCH_DEDUP_DAYS + 1) * DAY_MS)],
    );
    const id = await boss.send(EVENT_STORAGE_QUEUE, {});
    expect(id).not.toBeNull();
    const job = await settledJob(id!);
    // A failed job's output carries its error, so a failure shows it here.
    expect({ state: job.state, output: job.output }).toEqual({
      state: "completed",
      output: null,
    });
    expect(await prisma.ingestBatch.count({ where: { shopId: shop.id } })).toBe(
      0,
    );
  });
});
