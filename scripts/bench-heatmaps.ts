// Click heatmap speed at scale: one product page with 10M clicks over 90
// days from three device classes and several viewport widths, plus a noise
// shop. Times the heatmap of one week, device class and band (the rollup
// read, with its catch-up) against a raw scan of InteractionEvent for the
// same filter in the same run, and the rollup's cost per 10k new clicks.
import type pg from "pg";
import { localDay } from "../app/analytics/date-range.server";
import { log, median, timed } from "./lib/bench-timing";

const CLICKS = Number(process.env.BENCH_CLICKS ?? 10_000_000);
const NOISE_CLICKS = Math.round(CLICKS / 5);
const SESSIONS = Math.max(1_000, Math.round(CLICKS / 10));
const CHUNK = 1_000_000;
const DAYS = 90;
const PATH = "/products/linen-shirt";
const TIMEZONE = "America/New_York";
const NEW_CLICKS = 10_000;

// Elements of a theme's product page, most clicked first. A click picks one
// with a skew towards the front (a power of a uniform draw), because click
// counts fall off steeply after the top elements.
const SELECTORS = [
  "#product-form > button.product-form__submit",
  "#variant-radios > fieldset > label:nth-of-type(2)",
  "#variant-radios > fieldset > label:nth-of-type(1)",
  "#variant-radios > fieldset > label:nth-of-type(3)",
  "main > section > div > div.product__media-wrapper > ul > li:nth-of-type(1)",
  "#quantity-input > button:nth-of-type(2)",
  "header > div > a.header__icon--cart",
  "main > section > div > div.product__media-wrapper > ul > li:nth-of-type(2)",
  "header > div > details > summary",
  "#product-form > div > button.shopify-payment-button__button",
  "main > section > div > div.product__info-wrapper > details:nth-of-type(1) > summary",
  "main > section > div > div.product__info-wrapper > details:nth-of-type(2) > summary",
  "#quantity-input > button:nth-of-type(1)",
  "header > div > a.header__heading-link",
  "main > section > div > div.product__media-wrapper > ul > li:nth-of-type(3)",
  "#shopify-section-reviews > div > a.reviews__more",
  "main > section:nth-of-type(2) > ul > li:nth-of-type(1) > a",
  "main > section:nth-of-type(2) > ul > li:nth-of-type(2) > a",
  "main > section:nth-of-type(2) > ul > li:nth-of-type(3) > a",
  "main > section:nth-of-type(2) > ul > li:nth-of-type(4) > a",
  "footer > div > ul > li:nth-of-type(1) > a",
  "footer > div > ul > li:nth-of-type(2) > a",
  "footer > div > form > button",
  "header > div > nav > ul > li:nth-of-type(1) > a",
  "header > div > nav > ul > li:nth-of-type(2) > a",
  "header > div > nav > ul > li:nth-of-type(3) > a",
  "header > div > a.header__icon--search",
  "main > section > div > div.product__info-wrapper > p.product__text",
  "main > section > div > div.product__info-wrapper > h1",
  "main > section > div > div.product__info-wrapper > div.price",
];

/** Common viewport widths per device class, each equally likely (an assumption). */
const WIDTHS_SQL = `CASE
  WHEN g.sn % 10 < 6 THEN (ARRAY[375, 390, 393, 360, 412, 414, 430, 320])[1 + ((g.sn / 10) % 8)::int]
  WHEN g.sn % 10 < 9 THEN (ARRAY[1440, 1920, 1366, 1536, 1280, 1680, 1024])[1 + ((g.sn / 10) % 7)::int]
  ELSE (ARRAY[768, 810, 820, 834, 1000])[1 + ((g.sn / 10) % 5)::int] END`;
const DEVICE_SQL = `CASE WHEN g.sn % 10 < 6 THEN 'mobile'
  WHEN g.sn % 10 < 9 THEN 'desktop' ELSE 'tablet' END`;

/** Session number `n` of a shop as a UUID, so clicks can name it. */
const sessionIdSql = (shop: string, n: string) =>
  `md5('${shop}-session-' || ${n})::uuid`;

export async function loadShop(
  client: pg.Client,
  shop: string,
  clicks: number,
) {
  const sessions = Math.max(1_000, Math.round(clicks / 10));
  // The revenue rollup's day-marking trigger would update the same 90 day
  // rows a million times in one statement; it has no part in heatmaps.
  await client.query(
    `ALTER TABLE "VisitorSession" DISABLE TRIGGER "VisitorSession_rollup"`,
  );
  await timed(`${sessions.toLocaleString("en-US")} sessions of ${shop}`, () =>
    client.query(
      `INSERT INTO "VisitorSession"
         ("shopId", id, "visitorId", "startedAt", "lastSeenAt", device, "isBot")
       SELECT $1, ${sessionIdSql(shop, "g.sn")}, gen_random_uuid(),
              now() - ((g.sn::bigint * 7919) % ${DAYS * 86_400}) * interval '1 second',
              now(), ${DEVICE_SQL}, g.sn % 50 = 0
       FROM generate_series(1, $2) AS g(sn)`,
      [shop, sessions],
    ),
  );
  await client.query(
    `ALTER TABLE "VisitorSession" ENABLE TRIGGER "VisitorSession_rollup"`,
  );
  const started = performance.now();
  for (let first = 1; first <= clicks; first += CHUNK) {
    const last = Math.min(clicks, first + CHUNK - 1);
    await client.query(
      `INSERT INTO "InteractionEvent"
         ("shopId", "pageViewId", "sessionId", type, "occurredAt", "clientAt",
          path, device, "viewportWidth", "viewportHeight", x, y, selector,
          "offsetX", "offsetY", fixed, touch, "batchId")
       SELECT $1, md5('${shop}-page-' || g.sn)::uuid,
              ${sessionIdSql(shop, "g.sn")}, 'click', at, at, $2, ${DEVICE_SQL},
              ${WIDTHS_SQL}, 800, 40 + el * 31 % 900 + ox * 220,
              CASE WHEN el IN (6, 8, 13) THEN 30 + oy * 40
                   ELSE 120 + el * 90 + oy * 60 END,
              ($3::text[])[1 + el], ox, oy, el IN (6, 8, 13), g.sn % 10 < 6 OR g.sn % 10 = 9,
              md5('${shop}-batch-' || g.sn)::uuid
       FROM (SELECT 1 + (i::bigint * 104729) % $5 AS sn, i
             FROM generate_series($6::int, $7::int) i) g,
       LATERAL (SELECT
         now() - ((g.sn::bigint * 7919) % ${DAYS * 86_400}) * interval '1 second'
           + (g.i % 900) * interval '1 second' AS at,
         floor(power(random(), 2.2) * $4)::int AS el,
         -- The mean of three uniform draws centres clicks on each element.
         (random() + random() + random()) / 3 AS ox,
         (random() + random() + random()) / 3 AS oy) r`,
      [shop, PATH, SELECTORS, SELECTORS.length, sessions, first, last],
    );
    const seconds = (performance.now() - started) / 1000;
    log(
      `  ${shop}: ${last.toLocaleString("en-US")} of ${clicks.toLocaleString("en-US")} clicks (${seconds.toFixed(0)} s)`,
    );
  }
}

/** Loads the click data set and prints the heatmap figures. */
export async function benchHeatmaps(client: pg.Client, pool: pg.Pool) {
  log(
    `Click heatmap: ${CLICKS.toLocaleString("en-US")} clicks on one page over ${DAYS} days, ${NOISE_CLICKS.toLocaleString("en-US")} in a noise shop`,
  );
  for (const shop of ["heat", "heat-noise"]) {
    await client.query(
      `INSERT INTO "Shop" (id, domain, timezone, "updatedAt")
       VALUES ($1, $2, $3, now())`,
      [shop, `${shop}.myshopify.com`, TIMEZONE],
    );
  }
  log("Loading");
  // Week partitions for the whole span, so no row lands in DEFAULT.
  const { ensureEventPartitions } =
    await import("../app/jobs/event-partitions.server");
  await ensureEventPartitions(pool, {
    retentionDays: DAYS + 7,
    from: new Date(Date.now() - (DAYS + 1) * 86_400_000),
  });
  // The usual bulk load: secondary indexes are dropped for the load and
  // built again after it, which is several times faster than keeping them
  // up to date row by row. They are partitioned indexes: dropping one drops
  // it on every partition, and creating it without ONLY (which pg_indexes
  // prints for them) builds it on every partition again.
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT indexname AS name,
            replace(indexdef, ' ON ONLY ', ' ON ') AS definition
     FROM pg_indexes
     WHERE tablename = 'InteractionEvent' AND indexname <> 'InteractionEvent_pkey'`,
  );
  for (const index of indexes.rows) {
    await client.query(`DROP INDEX "${index.name}"`);
  }
  await loadShop(client, "heat", CLICKS);
  await loadShop(client, "heat-noise", NOISE_CLICKS);
  for (const index of indexes.rows) {
    await timed(`index ${index.name}`, () => client.query(index.definition));
  }
  await timed("VACUUM ANALYZE", () => client.query("VACUUM ANALYZE"));

  const { catchUpHeatmapRollup } =
    await import("../app/analytics/heatmap-rollup.server");
  const { heatmapGroups } =
    await import("../app/analytics/heatmap-groups.server");
  const { rawHeatmapGroups, rawCellsSql, heatmapParams } =
    await import("../app/analytics/click-groups.server");
  const { bandOf } = await import("../app/analytics/viewport-bands");

  /** Runs the rollup until its cursor passes `target`; returns the runs' time. */
  const catchUp = async (shop: string, target: bigint) => {
    let working = 0;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const started = performance.now();
      const run = await catchUpHeatmapRollup(pool, shop);
      if (run.events > 0) working += performance.now() - started;
      const cursor = await client.query<{ last: string }>(
        `SELECT "lastEventId" AS last FROM "HeatmapRollupCursor" WHERE "shopId" = $1`,
        [shop],
      );
      if (BigInt(cursor.rows[0]?.last ?? 0) >= target) return working;
      if (run.events === 0) await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`the rollup of ${shop} did not reach event ${target}`);
  };
  const maxId = async () =>
    BigInt(
      (
        await client.query<{ max: string }>(
          `SELECT max(id) AS max FROM "InteractionEvent"`,
        )
      ).rows[0].max,
    );

  log("Rollup");
  const top = await maxId();
  await timed(`first build of ${DAYS} days for both shops`, async () => {
    await catchUp("heat", top);
    await catchUp("heat-noise", top);
  });
  await timed("VACUUM ANALYZE", () => client.query("VACUUM ANALYZE"));
  const sizes = await client.query<{ cells: string; events: string }>(
    `SELECT (SELECT count(*) FROM "HeatmapCell") AS cells,
            (SELECT count(*) FROM "InteractionEvent") AS events`,
  );
  log(
    `  ${Number(sizes.rows[0].cells).toLocaleString("en-US")} rollup rows for ${Number(sizes.rows[0].events).toLocaleString("en-US")} events`,
  );

  const to = localDay(new Date(), TIMEZONE);
  const fromDate = new Date(`${to}T00:00:00Z`);
  fromDate.setUTCDate(fromDate.getUTCDate() - 6);
  const week = { from: fromDate.toISOString().slice(0, 10), to };
  const filters = [
    { device: "mobile", band: bandOf(390) },
    { device: "desktop", band: bandOf(1440) },
  ].map(({ device, band }) => ({
    shopId: "heat",
    timezone: TIMEZONE,
    path: PATH,
    device,
    band,
    range: week,
    kind: "click" as const,
  }));

  log(`Timing one week (${week.from} to ${week.to}), median of 5 runs`);
  for (const filter of filters) {
    const groups = await heatmapGroups(pool, filter);
    const raw = await rawHeatmapGroups(pool, filter);
    const clicks = groups.reduce((sum, group) => sum + group.clicks, 0);
    const rawClicks = raw.reduce((sum, group) => sum + group.clicks, 0);
    if (clicks !== rawClicks) {
      throw new Error(
        `the rollup read ${clicks} clicks but the raw scan ${rawClicks}`,
      );
    }
    const scan = await median(() => rawHeatmapGroups(pool, filter));
    const read = await median(() => heatmapGroups(pool, filter));
    const idle = await median(() => catchUpHeatmapRollup(pool, "heat"));
    log(
      `  ${filter.device} ${filter.band.id} px, ${clicks.toLocaleString("en-US")} clicks in ${groups.length.toLocaleString("en-US")} groups:`,
    );
    log(`    raw scan of InteractionEvent (baseline): ${scan.toFixed(0)} ms`);
    log(
      `    heatmap from the rollup, catch-up included: ${read.toFixed(1)} ms (${(read / scan).toFixed(3)} x baseline)`,
    );
    log(`    of which the catch-up with nothing new: ${idle.toFixed(1)} ms`);
    const pruning = await partitionsRead(
      client,
      `SELECT count(*) FROM (${rawCellsSql()}) cells`,
      heatmapParams(filter),
    );
    log(
      `    raw scan reads ${pruning.read} of ${pruning.partitions} event partitions (the others pruned)`,
    );
  }

  log(`Incremental catch-up per ${NEW_CLICKS.toLocaleString("en-US")} clicks`);
  const costs: number[] = [];
  for (let round = 0; round < 3; round++) {
    await client.query(
      `INSERT INTO "InteractionEvent"
         ("shopId", "pageViewId", "sessionId", type, "occurredAt", "clientAt",
          path, device, "viewportWidth", "viewportHeight", x, y, selector,
          "offsetX", "offsetY", fixed, touch, "batchId")
       SELECT 'heat', gen_random_uuid(), ${sessionIdSql("heat", "(1 + i % $3)")},
              'click', now(), now(), $1, 'mobile', 390, 800, 200, 300,
              ($2::text[])[1 + i % 30], random(), random(), false, true,
              gen_random_uuid()
       FROM generate_series(1, ${NEW_CLICKS}) i`,
      [PATH, SELECTORS, SESSIONS],
    );
    costs.push(await catchUp("heat", await maxId()));
  }
  costs.sort((a, b) => a - b);
  log(
    `  rollup runs that added them: ${costs.map((ms) => ms.toFixed(0)).join(", ")} ms (median ${costs[1].toFixed(0)} ms)`,
  );
}

/**
 * Runs EXPLAIN ANALYZE of `sql` and counts the InteractionEvent partitions
 * its plan actually scanned, against all partitions of the table.
 */
async function partitionsRead(
  client: pg.Client,
  sql: string,
  params: unknown[],
): Promise<{ read: number; partitions: number }> {
  const plan = await client.query<{ "QUERY PLAN": unknown }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
    params,
  );
  const scanned = new Set<string>();
  const visit = (node: Record<string, unknown>) => {
    const relation = node["Relation Name"];
    if (
      typeof relation === "string" &&
      relation.startsWith("InteractionEvent_") &&
      Number(node["Actual Loops"]) > 0
    ) {
      scanned.add(relation);
    }
    for (const child of (node.Plans as Record<string, unknown>[]) ?? []) {
      visit(child);
    }
  };
  const [root] = plan.rows[0]["QUERY PLAN"] as {
    Plan: Record<string, unknown>;
  }[];
  visit(root.Plan);
  const all = await client.query<{ count: string }>(
    `SELECT count(*) FROM pg_inherits WHERE inhparent = '"InteractionEvent"'::regclass`,
  );
  return { read: scanned.size, partitions: Number(all.rows[0].count) };
}
