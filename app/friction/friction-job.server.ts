import type PgBoss from "pg-boss";
import { requestAlertDetection } from "~/alerts/alert-jobs.server";
import type pg from "pg";
import { logger } from "~/logger.server";
import { detectFriction } from "./detect-friction.server";

export const FRICTION_QUEUE = "friction-detection";
/** Every minute, like the revenue rollup: signals trail clicks by a minute. */
const FRICTION_SCHEDULE = "* * * * *";

/** Runs the detectors for every shop with clicks past its cursor. */
export async function detectAllFriction(pool: pg.Pool): Promise<number> {
  const shops = await pool.query<{ id: string }>(
    `SELECT s.id FROM "Shop" s
     WHERE s."uninstalledAt" IS NULL AND EXISTS (
       SELECT 1 FROM "InteractionEvent" e
       WHERE e."shopId" = s.id AND e.type = 'click'
         AND e.id > COALESCE((SELECT c."lastEventId" FROM "FrictionCursor" c
                              WHERE c."shopId" = s.id), 0))`,
  );
  let signals = 0;
  for (const shop of shops.rows) signals += await detectFriction(pool, shop.id);
  if (signals > 0) {
    logger.info({ shops: shops.rowCount, signals }, "friction detected");
  }
  return signals;
}

/** Creates the queue, its one-minute schedule and its worker. */
export async function registerFrictionJobs(
  boss: PgBoss,
  pool: pg.Pool,
): Promise<void> {
  await boss.createQueue(FRICTION_QUEUE, {
    name: FRICTION_QUEUE,
    policy: "singleton",
  });
  await boss.schedule(FRICTION_QUEUE, FRICTION_SCHEDULE);
  await boss.work(FRICTION_QUEUE, async () => {
    const signals = await detectAllFriction(pool);
    if (signals > 0) await requestAlertDetection(boss);
  });
}
