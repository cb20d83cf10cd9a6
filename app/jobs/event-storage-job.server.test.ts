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

beforeAll(async () => {
  boss = new PgBoss({ connectionString: process.env.DATABASE_URL, max: 2 });
  await boss.start();
});

afterAll(async () => {
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
});

async function waitFor<T>(read: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline) {
    const value = await read();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("timed out waiting for the event storage job");
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
    const job = await waitFor(async () => {
      const found = await boss.getJobById(EVENT_STORAGE_QUEUE, id!);
      return found?.state === "completed" ? found : null;
    });
    expect(job.state).toBe("completed");
    expect(await prisma.ingestBatch.count({ where: { shopId: shop.id } })).toBe(
      0,
    );
  });
});
