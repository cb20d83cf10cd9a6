// Excluded elements at scale: one shop with 1M rage and dead clicks over
// 90 days, plus a noise shop. Times the friction page's reads (places and
// a rage-click map) before and after excluding elements, and the saves
// that move their signals aside and back. For comparison it also times an
// aggregate with the list matched at read time, the design not taken.
import type pg from "pg";
import { addDays } from "../app/analytics/date-range.server";
import { frictionGroups } from "../app/friction/friction-groups.server";
import { signalPlaces } from "../app/friction/friction-details.server";
import { saveExcludedSelectors } from "../app/friction/friction-settings.server";
import { log, median, timed } from "./lib/bench-timing";

const SIGNALS = Number(process.env.BENCH_SIGNALS ?? 1_000_000);
const DAYS = 90;
const LAST_DAY = "2026-11-30";
const PATH = "/products/linen-shirt";
const SELECTORS = 200;
/** A carousel, a size chart and every gallery image: about 11% of rows. */
const EXCLUDED = [
  "#carousel > button.next",
  "#size-chart",
  "#product-gallery *",
];

/** Selector number `n` (0-based); a few are the excluded elements. */
const SELECTOR_SQL = `CASE
  WHEN n % 100 < 5 THEN '#carousel > button.next'
  WHEN n % 100 < 7 THEN '#size-chart'
  WHEN n % 100 < 11 THEN '#product-gallery > img:nth-of-type(' || (n % 7) || ')'
  ELSE 'main > section:nth-of-type(' || (n % ${SELECTORS}) || ') > a' END`;

async function loadSignals(client: pg.Client, shop: string, count: number) {
  await timed(`${count.toLocaleString("en-US")} signals of ${shop}`, () =>
    client.query(
      `INSERT INTO "FrictionSignal" ("shopId", kind, "sessionId",
         "pageViewId", path, device, selector, x, y, "offsetX", "offsetY",
         clicks, "occurredAt")
       SELECT $1, CASE WHEN n % 5 = 0 THEN 'rage-click' ELSE 'dead-click' END,
              md5($1 || '-s-' || (n / 4))::uuid, md5($1 || '-p-' || n)::uuid,
              CASE WHEN n % 3 = 0 THEN '/' ELSE $2 END,
              CASE WHEN n % 10 < 6 THEN 'mobile' ELSE 'desktop' END,
              ${SELECTOR_SQL}, 100, 200, 0.5, 0.5,
              CASE WHEN n % 5 = 0 THEN 4 ELSE 1 END,
              $3::timestamp - make_interval(secs => (n::bigint * 7919) % ($4 * 86400))
       FROM generate_series(1, $5) AS n`,
      [shop, PATH, `${LAST_DAY} 23:59:59`, DAYS, count],
    ),
  );
  await client.query(`ANALYZE "FrictionSignal"`);
}

export async function benchExclusions(client: pg.Client, pool: pg.Pool) {
  log(`\nExcluded elements: ${SIGNALS.toLocaleString("en-US")} signals`);
  await loadSignals(client, "bench", SIGNALS);
  await loadSignals(client, "noise", Math.round(SIGNALS / 5));
  const range = { from: addDays(LAST_DAY, -29), to: LAST_DAY };
  const filter = { shopId: "bench", timezone: "America/New_York", range };
  const reads = {
    places: () => signalPlaces(pool, filter),
    "rage map": () =>
      frictionGroups(pool, {
        ...filter,
        path: PATH,
        device: "mobile",
        kind: "rage-click",
      }),
  };
  const before: Record<string, number> = {};
  for (const [name, read] of Object.entries(reads)) {
    before[name] = await median(read);
  }

  const perSelector = (matched: boolean) => () =>
    pool.query(
      `SELECT kind, selector, count(*) FROM "FrictionSignal"
       WHERE "shopId" = $1 AND "occurredAt" >= $2
         ${matched ? "AND NOT (selector = ANY($3::text[]) OR selector LIKE ANY($4::text[]))" : ""}
       GROUP BY kind, selector`,
      [
        "bench",
        `${range.from} 00:00`,
        ...(matched
          ? [["#carousel > button.next", "#size-chart"], ["#product-gallery %"]]
          : []),
      ],
    );
  const plain = await median(perSelector(false));
  const matched = await median(perSelector(true));

  const hideStarted = performance.now();
  const hidden = await saveExcludedSelectors(pool, "bench", EXCLUDED);
  const hideMs = performance.now() - hideStarted;
  const after: Record<string, number> = {};
  for (const [name, read] of Object.entries(reads)) {
    after[name] = await median(read);
  }
  const showStarted = performance.now();
  const restored = await saveExcludedSelectors(pool, "bench", []);
  const showMs = performance.now() - showStarted;

  for (const name of Object.keys(reads)) {
    log(
      `  ${name}, 30 days: ${before[name].toFixed(1)} ms with no exclusions, ` +
        `${after[name].toFixed(1)} ms with ${EXCLUDED.length} ` +
        `(${(after[name] / before[name]).toFixed(2)}x)`,
    );
  }
  log(
    `  per-selector count, 30 days: ${plain.toFixed(1)} ms; with the list ` +
      `matched at read time ${matched.toFixed(1)} ms ` +
      `(${(matched / plain).toFixed(2)}x)`,
  );
  log(
    `  save: ${hidden.hidden.toLocaleString("en-US")} signals moved aside in ` +
      `${hideMs.toFixed(0)} ms; ${restored.restored.toLocaleString("en-US")} ` +
      `moved back in ${showMs.toFixed(0)} ms`,
  );
}
