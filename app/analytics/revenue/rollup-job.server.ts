import type PgBoss from "pg-boss";
import type pg from "pg";
import { logger } from "~/logger.server";
import { refreshRevenueRollup } from "./revenue-rollup.server";

// Keeps the revenue rollup fresh in the background, so a merchant opening
// the revenue page rarely waits for a day to be rebuilt.

export const REVENUE_ROLLUP_QUEUE = "revenue-rollup";
/** Every minute: new traffic shows up in reports within about a minute. */
const ROLLUP_SCHEDULE = "* * * * *";

/** Rebuilds the out-of-date days of every shop that has some. */
export async function refreshAllRollups(pool: pg.Pool): Promise<number> {
  const shops = await pool.query<{ id: string; timezone: string }>(
    `SELECT DISTINCT s.id, s.timezone
     FROM "RevenueRollupDay" d JOIN "Shop" s ON s.id = d."shopId"`,
  );
  let days = 0;
  for (const shop of shops.rows) {
    days += await refreshRevenueRollup(pool, shop);
  }
  if (days > 0) {
    logger.info({ shops: shops.rowCount, days }, "revenue rollup refreshed");
  }
  return days;
}

/** Creates the queue, its one-minute schedule and its worker. */
export async function registerRollupJobs(
  boss: PgBoss,
  pool: pg.Pool,
): Promise<void> {
  // "singleton": one queued refresh at a time; a slow run is not stacked.
  await boss.createQueue(REVENUE_ROLLUP_QUEUE, {
    name: REVENUE_ROLLUP_QUEUE,
    policy: "singleton",
  });
  await boss.schedule(REVENUE_ROLLUP_QUEUE, ROLLUP_SCHEDULE);
  await boss.work(REVENUE_ROLLUP_QUEUE, async () => {
    await refreshAllRollups(pool);
  });
}
