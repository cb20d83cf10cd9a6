import type PgBoss from "pg-boss";
import type pg from "pg";
import { logger } from "~/logger.server";
import { catchUpHeatmapRollup } from "./heatmap-rollup.server";

export const HEATMAP_ROLLUP_QUEUE = "heatmap-rollup";
/**
 * Every minute, like the other rollups. A heatmap read catches up itself,
 * so the schedule only keeps that read's own work small.
 */
const HEATMAP_ROLLUP_SCHEDULE = "* * * * *";
/** Runs per shop and job, so one shop's backlog cannot starve the rest. */
const MAX_RUNS_PER_SHOP = 20;

/**
 * Catches up the heatmap rollup of every shop with events past its cursor,
 * bot visits to take out, or cells in a time zone the shop left.
 */
export async function catchUpAllHeatmaps(pool: pg.Pool): Promise<number> {
  const shops = await pool.query<{ id: string }>(
    `SELECT s.id FROM "Shop" s
     WHERE s."uninstalledAt" IS NULL AND (
       EXISTS (SELECT 1 FROM "HeatmapBotSession" b WHERE b."shopId" = s.id)
       OR EXISTS (SELECT 1 FROM "HeatmapRollupCursor" c
                  WHERE c."shopId" = s.id AND c.timezone <> s.timezone)
       OR EXISTS (
         SELECT 1 FROM "InteractionEvent" e
         WHERE e."shopId" = s.id
           AND e.id > COALESCE((SELECT c."lastEventId"
                                FROM "HeatmapRollupCursor" c
                                WHERE c."shopId" = s.id), 0)))`,
  );
  let events = 0;
  for (const shop of shops.rows) {
    for (let run = 0; run < MAX_RUNS_PER_SHOP; run++) {
      const result = await catchUpHeatmapRollup(pool, shop.id);
      events += result.events;
      if (!result.more) break;
    }
  }
  if (events > 0) {
    logger.info({ shops: shops.rowCount, events }, "heatmap rollup caught up");
  }
  return events;
}

/** Creates the queue, its one-minute schedule and its worker. */
export async function registerHeatmapJobs(
  boss: PgBoss,
  pool: pg.Pool,
): Promise<void> {
  await boss.createQueue(HEATMAP_ROLLUP_QUEUE, {
    name: HEATMAP_ROLLUP_QUEUE,
    policy: "singleton",
  });
  await boss.schedule(HEATMAP_ROLLUP_QUEUE, HEATMAP_ROLLUP_SCHEDULE);
  await boss.work(HEATMAP_ROLLUP_QUEUE, async () => {
    await catchUpAllHeatmaps(pool);
  });
}
