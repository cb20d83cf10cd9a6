// Session replay benchmark: compressed replay bytes per minute of a
// scripted visit to the demo storefront, and the main-thread time the
// recorder adds per interaction in Chromium, as ratios to a run without
// the recorder in the same process. Starts its own PostgreSQL, app and
// storefront on free 127.0.0.1 ports; needs Chromium (CHROMIUM_PATH).

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import type { Browser } from "playwright-core";
import { HAS_CHROMIUM, launchChromium } from "../test/support/browser";
import { buildEmbed, describeSize } from "./build-embed";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { playShopper, type ShopperJourney } from "./lib/replay-shopper";

const root = path.resolve(import.meta.dirname, "..");
/** Runs of each mode, interleaved so background load hits all alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Interactions in one main-thread measurement. */
const INTERACTIONS = 30;
const DEMO_SHOP_ID = "demo-shop";

type Mode = "baseline" | "friction" | "session";
const MODE_SETTINGS: Record<
  Mode,
  { sampleRate: number; frictionCapture: boolean }
> = {
  baseline: { sampleRate: 0, frictionCapture: false },
  friction: { sampleRate: 0, frictionCapture: true },
  session: { sampleRate: 1, frictionCapture: false },
};

function log(message: string) {
  console.log(`[bench:replay] ${message}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

if (!HAS_CHROMIUM) {
  console.error(
    "Chromium not found: install Debian's chromium or set CHROMIUM_PATH.",
  );
  process.exit(1);
}

const postgres = await startEmbeddedPostgres({
  dataDir: path.join(root, ".tmp", "bench-replay-postgres"),
  fresh: true,
});
const maintenance = new pg.Client({ connectionString: postgres.adminUrl });
await maintenance.connect();
await maintenance.query("CREATE DATABASE storelens_bench_replay");
await maintenance.end();
const databaseUrl = postgres.urlFor("storelens_bench_replay");
Object.assign(process.env, {
  DATABASE_URL: databaseUrl,
  STORELENS_DEMO: "1",
  // Demo mode serves the admin without a login and refuses production.
  NODE_ENV: "development",
  SHOPIFY_API_KEY: "storelens-bench",
  SHOPIFY_API_SECRET: randomBytes(24).toString("hex"),
  SHOPIFY_APP_URL: "http://127.0.0.1",
  SCOPES: "read_orders",
  LOG_LEVEL: "warn",
});
const quiet = { cwd: root, env: process.env, stdio: "ignore" } as const;
execFileSync("npx", ["prisma", "migrate", "deploy"], quiet);
const assets = await buildEmbed();
for (const asset of assets) log(describeSize(asset));
execFileSync("npx", ["remix", "build"], quiet);

const { startDemoStack } = await import("./lib/demo-stack");
const { saveRecordingSettings } =
  await import("../app/replay/recording-settings.server");
const stack = await startDemoStack({
  root,
  databaseUrl,
  appPort: 0,
  storefrontPort: 0,
  jobs: false,
});
const pool = new pg.Pool({ connectionString: databaseUrl });
let browser: Browser | undefined;

async function useMode(mode: Mode) {
  await saveRecordingSettings(pool, DEMO_SHOP_ID, {
    ...MODE_SETTINGS[mode],
    retentionDays: 30,
    maskSelectors: "",
  });
}

/** Main-thread milliseconds per interaction on the product page. */
async function mainThreadPerInteraction(mode: Mode): Promise<number> {
  await useMode(mode);
  const context = await browser!.newContext({
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const recorder =
    mode === "baseline"
      ? Promise.resolve()
      : page.waitForResponse((response) =>
          response.url().endsWith("/storelens-recorder.js"),
        );
  await page.goto(
    `${stack.storefront.url}/products/linen-shirt?consent=granted`,
  );
  await page.mouse.wheel(0, 200);
  await recorder;
  await page.waitForTimeout(1500);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const taskMs = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    return (
      metrics.find((metric) => metric.name === "TaskDuration")!.value * 1000
    );
  };
  const before = await taskMs();
  const controls = [
    "#quantity-plus",
    "#color-sage",
    "#color-sand",
    "#size-l",
    "#size-m",
  ];
  for (let i = 0; i < INTERACTIONS; i++) {
    if (i % 3 === 0) {
      await page.mouse.wheel(0, i % 2 ? -300 : 300);
    } else {
      const control = page.locator(controls[i % controls.length]);
      const box = await control.boundingBox();
      if (box) await page.mouse.move(box.x + 5, box.y + 5, { steps: 5 });
      await control.click({ force: true });
    }
    await page.waitForTimeout(120);
  }
  // One upload interval, so every mode pays for its compression and fetch.
  await page.waitForTimeout(5500);
  const after = await taskMs();
  await context.close();
  return (after - before) / INTERACTIONS;
}

/** Stored bytes and minutes of one recorded journey. */
async function recordJourney(journey: ShopperJourney) {
  await useMode("session");
  const context = await browser!.newContext({
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  let uploaded = 0;
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/collect/recording") {
      uploaded += request.postDataBuffer()?.byteLength ?? 0;
    }
  });
  await playShopper(page, stack.storefront.url, journey, 1500);
  const sessionId = (await page.evaluate(() =>
    localStorage.getItem("storelens:sid"),
  ))!.split(" ")[0];
  await page.goto("about:blank");
  await context.close();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const result = await pool.query<{
    bytes: number;
    minutes: number;
    chunks: number;
  }>(
    `SELECT "byteSize" AS bytes, "chunkCount" AS chunks,
       (extract(epoch FROM "endedAt" - "startedAt") / 60)::float8 AS minutes
     FROM "Recording" WHERE "sessionId" = $1`,
    [sessionId],
  );
  return { ...result.rows[0], uploaded };
}

try {
  browser = await launchChromium();
  const perInteraction: Record<Mode, number[]> = {
    baseline: [],
    friction: [],
    session: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ["baseline", "friction", "session"] as Mode[]) {
      perInteraction[mode].push(await mainThreadPerInteraction(mode));
    }
    log(`main-thread round ${round + 1} of ${ROUNDS} done`);
  }
  const baseline = median(perInteraction.baseline);
  console.log("\nMain-thread time per interaction (median of rounds):");
  for (const mode of ["baseline", "friction", "session"] as Mode[]) {
    const value = median(perInteraction[mode]);
    console.log(
      `  ${mode.padEnd(9)} ${value.toFixed(2)} ms  ratio ${(value / baseline).toFixed(2)}  added ${(value - baseline).toFixed(2)} ms`,
    );
  }

  let bytes = 0;
  let uploaded = 0;
  let minutes = 0;
  for (const journey of [
    "browse-and-buy",
    "cart-note",
    "rage-on-zoom",
  ] as ShopperJourney[]) {
    const recorded = await recordJourney(journey);
    bytes += recorded.bytes;
    uploaded += recorded.uploaded;
    minutes += recorded.minutes;
    console.log(
      `  ${journey}: ${recorded.bytes} bytes stored, ${recorded.uploaded} uploaded, ${recorded.chunks} chunks, ${(recorded.minutes * 60).toFixed(1)} s`,
    );
  }
  const perMinute = (total: number) => (total / 1000 / minutes).toFixed(1);
  console.log(
    `\nReplay bytes per minute after compression (target 50 kB/min):` +
      `\n  stored   ${perMinute(bytes)} kB/min` +
      `\n  uploaded ${perMinute(uploaded)} kB/min (each stylesheet sent once per visit)`,
  );
} finally {
  await browser?.close();
  await pool.end();
  await stack.close();
  await postgres.stop();
}
