// Revenue report speed at scale: 1M sessions and 100k orders for one shop
// plus a smaller second shop as noise; the RPS-by-page and dashboard
// queries are timed against a full scan of the same tables in the run.
import type pg from "pg";
import { log, median, timed } from "./lib/bench-timing";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1_000_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 100_000);
const NOISE_SESSIONS = Math.round(SESSIONS / 5);
const DAYS = 90;

async function load(
  client: pg.Client,
  shopId: string,
  sessions: number,
  orders: number,
) {
  await timed(`${sessions.toLocaleString("en-US")} sessions`, () =>
    client.query(
      `INSERT INTO "VisitorSession"
         ("shopId", id, "visitorId", "startedAt", "lastSeenAt", device,
          "isBot", channel, "landingPath")
       SELECT $1, gen_random_uuid(), gen_random_uuid(), t, t + interval '5 minutes',
              (ARRAY['mobile','mobile','desktop','tablet'])[1 + floor(random() * 4)::int],
              random() < 0.02,
              (ARRAY['direct','organic_search','paid','social','email','referral'])[1 + floor(random() * 6)::int],
              '/products/p' || floor(random() * 200)::int
       FROM (SELECT now() - random() * interval '${DAYS} days' AS t
             FROM generate_series(1, $2)) g`,
      [shopId, sessions],
    ),
  );
  await timed("page views (1-5 per session)", () =>
    client.query(
      `INSERT INTO "PageView"
         ("shopId", id, "sessionId", path, "startedAt", "viewportWidth",
          "viewportHeight", device)
       SELECT s."shopId", gen_random_uuid(), s.id,
              CASE WHEN n = 1 THEN s."landingPath"
                   ELSE '/products/p' || floor(random() * 200)::int END,
              s."startedAt" + n * interval '30 seconds', 390, 844, s.device
       FROM "VisitorSession" s,
            generate_series(1, 1 + floor(random() * 5)::int) n
       WHERE s."shopId" = $1`,
      [shopId],
    ),
  );
  await timed(`${orders.toLocaleString("en-US")} orders`, () =>
    client.query(
      `INSERT INTO "Order" ("shopId", id, "processedAt", currency, "totalPrice",
                            "sessionId", test, "updatedAt")
       SELECT s."shopId", (1000000 + row_number() OVER ())::text,
              s."startedAt" + interval '10 minutes', 'USD',
              round((20 + random() * 180)::numeric, 2), s.id, random() < 0.01, now()
       FROM (SELECT "shopId", id, "startedAt" FROM "VisitorSession"
             WHERE "shopId" = $1 ORDER BY random() LIMIT $2) s`,
      [shopId, orders],
    ),
  );
}

/** Loads the revenue data set and prints the revenue figures. */
export async function benchRevenue(client: pg.Client, pool: pg.Pool) {
  log(
    `Revenue reports: ${SESSIONS.toLocaleString("en-US")} sessions, ${ORDERS.toLocaleString("en-US")} orders`,
  );
  log("Loading");
  await load(client, "bench", SESSIONS, ORDERS);
  await load(client, "noise", NOISE_SESSIONS, Math.round(ORDERS / 5));
  await timed("VACUUM ANALYZE", () => client.query("VACUUM ANALYZE"));

  const { revenueByPage } =
    await import("../app/analytics/revenue/revenue-by-page.server");
  const { revenueReport } =
    await import("../app/analytics/revenue/revenue-report.server");
  const { refreshRevenueRollup } =
    await import("../app/analytics/revenue/revenue-rollup.server");

  log("Write-time cost of the daily rollup");
  const benchShop = { id: "bench", timezone: "America/New_York" };
  await timed(`first build of ${DAYS} days`, () =>
    refreshRevenueRollup(pool, benchShop),
  );
  const WRITE_SAMPLE = 50_000;
  const insertSample = () =>
    client.query(
      `INSERT INTO "VisitorSession"
         ("shopId", id, "visitorId", "startedAt", "lastSeenAt", device)
       SELECT 'noise', gen_random_uuid(), gen_random_uuid(), now(), now(), 'mobile'
       FROM generate_series(1, $1)`,
      [WRITE_SAMPLE],
    );
  await client.query(
    `ALTER TABLE "VisitorSession" DISABLE TRIGGER "VisitorSession_rollup"`,
  );
  let started = performance.now();
  await insertSample();
  const withoutTrigger = performance.now() - started;
  await client.query(
    `ALTER TABLE "VisitorSession" ENABLE TRIGGER "VisitorSession_rollup"`,
  );
  started = performance.now();
  await insertSample();
  const withTrigger = performance.now() - started;
  log(
    `  ${WRITE_SAMPLE.toLocaleString("en-US")} session inserts: ` +
      `${withTrigger.toFixed(0)} ms with the day-marking trigger, ` +
      `${withoutTrigger.toFixed(0)} ms without ` +
      `(${(withTrigger / withoutTrigger).toFixed(2)} x)`,
  );
  started = performance.now();
  await refreshRevenueRollup(pool, {
    id: "noise",
    timezone: "America/New_York",
  });
  log(
    `  rebuilding the day those inserts marked: ${(performance.now() - started).toFixed(0)} ms`,
  );

  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 29 * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const filter = {
    shopId: "bench",
    timezone: "America/New_York",
    range: { from, to: today },
  };

  log("Timing (median of 5 runs after a warm-up)");
  const baseline = await median(() =>
    pool.query(
      `SELECT count(*), sum(length(pv.path)), (SELECT sum("totalPrice") FROM "Order")
       FROM "PageView" pv JOIN "VisitorSession" s ON s."shopId" = pv."shopId" AND s.id = pv."sessionId"`,
    ),
  );
  const byPage = await median(() => revenueByPage(pool, filter));
  const dashboard = await median(() => revenueReport(pool, filter));
  log(
    `  full scan of page views, sessions and orders (baseline): ${baseline.toFixed(0)} ms`,
  );
  log(
    `  RPS by page, last 30 days, from the rollup: ${byPage.toFixed(0)} ms (${(byPage / baseline).toFixed(3)} x baseline)`,
  );
  log(
    `  dashboard (all revenue queries), last 30 days: ${dashboard.toFixed(0)} ms (${(dashboard / baseline).toFixed(3)} x baseline)`,
  );
}
