import type pg from "pg";
import { withTransaction } from "../../transaction.server";
import { STAGE_OF_PATH } from "./funnel-stages";

// Rebuilds DailyRevenueStat for the days that triggers marked out of date.
// A day is rebuilt whole from raw rows, so the rollup can always be thrown
// away and recomputed.

/**
 * Rows of every dimension for the sessions that started on the given days.
 * Parameters: $1 shop id, $2 time zone, $3 days (date[]).
 */
const ROLLUP_SQL = `
  WITH s AS (
    SELECT v.id, v.device, v.channel, v."landingPath",
           (v."startedAt" AT TIME ZONE 'UTC' AT TIME ZONE $2)::date AS day
    FROM "VisitorSession" v
    WHERE v."shopId" = $1 AND NOT v."isBot"
      AND v."startedAt" >= ((SELECT min(d) FROM unnest($3::date[]) d)::timestamp AT TIME ZONE $2)
      AND v."startedAt" < (((SELECT max(d) FROM unnest($3::date[]) d) + 1)::timestamp AT TIME ZONE $2)
  ),
  days AS (SELECT * FROM s WHERE day = ANY($3::date[])),
  rev AS (
    SELECT n."sessionId" AS id, sum(n.net) AS net,
           count(*) FILTER (WHERE n.counted) AS orders
    FROM "OrderNet" n JOIN days ON days.id = n."sessionId"
    WHERE n."shopId" = $1
    GROUP BY n."sessionId"
  ),
  paths AS (
    SELECT pv."sessionId" AS id, pv.path
    FROM "PageView" pv JOIN days ON days.id = pv."sessionId"
    WHERE pv."shopId" = $1
    UNION
    SELECT e."sessionId", e.path
    FROM "StorefrontEvent" e JOIN days ON days.id = e."sessionId"
    WHERE e."shopId" = $1 AND e.name = 'page_viewed' AND e.path IS NOT NULL
  ),
  stages AS (
    SELECT DISTINCT id, ${STAGE_OF_PATH} AS stage FROM paths
    UNION
    SELECT DISTINCT e."sessionId", 'checkout'
    FROM "StorefrontEvent" e JOIN days ON days.id = e."sessionId"
    WHERE e."shopId" = $1
      AND e.name IN ('checkout_started', 'checkout_completed')
  ),
  keyed AS (
    SELECT id, day, 'device' AS dimension, device AS key FROM days
    UNION ALL
    SELECT id, day, 'channel', COALESCE(channel, 'unknown') FROM days
    UNION ALL
    SELECT id, day, 'landingPage', COALESCE("landingPath", 'unknown') FROM days
    UNION ALL
    SELECT paths.id, days.day, 'page', paths.path
    FROM paths JOIN days ON days.id = paths.id
    UNION ALL
    SELECT stages.id, days.day, 'stage', stages.stage
    FROM stages JOIN days ON days.id = stages.id
    WHERE stages.stage IS NOT NULL
  )
  INSERT INTO "DailyRevenueStat"
    ("shopId", day, dimension, key, sessions, "convertingSessions", orders,
     "netRevenue")
  SELECT $1, keyed.day, keyed.dimension, keyed.key, count(*),
         count(*) FILTER (WHERE rev.orders > 0),
         COALESCE(sum(rev.orders), 0), COALESCE(sum(rev.net), 0)
  FROM keyed LEFT JOIN rev ON rev.id = keyed.id
  GROUP BY keyed.day, keyed.dimension, keyed.key`;

/**
 * Rebuilds the shop's out-of-date days in one transaction and returns how
 * many days it rebuilt. Concurrent callers skip days another one holds.
 */
export async function refreshRevenueRollup(
  pool: pg.Pool,
  shop: { id: string; timezone: string },
): Promise<number> {
  return withTransaction(pool, async (client) => {
    const claimed = await client.query<{ day: string }>(
      `WITH marks AS (
         DELETE FROM "RevenueRollupDay"
         WHERE ("shopId", id) IN (
           SELECT "shopId", id FROM "RevenueRollupDay"
           WHERE "shopId" = $1
           FOR UPDATE SKIP LOCKED
         )
         RETURNING day
       )
       SELECT DISTINCT to_char(day, 'YYYY-MM-DD') AS day FROM marks`,
      [shop.id],
    );
    const days = claimed.rows.map((row) => row.day);
    if (days.length > 0) {
      await client.query(
        `DELETE FROM "DailyRevenueStat"
         WHERE "shopId" = $1 AND day = ANY($2::date[])`,
        [shop.id, days],
      );
      await client.query(ROLLUP_SQL, [shop.id, shop.timezone, days]);
    }
    return days.length;
  });
}
