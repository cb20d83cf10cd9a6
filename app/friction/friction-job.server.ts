import type PgBoss from "pg-boss";
import type pg from "pg";
import { SESSION_IDLE_MS } from "../../extensions/storelens-embed/src/identity";
import { logger } from "~/logger.server";
import { detectFriction } from "./detect-friction.server";

export const FRICTION_QUEUE = "friction-detection";
/** Every minute, like the revenue rollup: signals trail clicks by a minute. */
const FRICTION_SCHEDULE = "* * * * *";

/**
 * Runs the detectors for every shop with new events past its cursor or
 * with pending visits that have ended.
 */
export async function detectAllFriction(
  pool: pg.Pool,
  now: Date = new Date(),
): Promise<number> {
  const shops = await pool.query<{ id: string }>(
    `SELECT s.id FROM "Shop" s
     LEFT JOIN "FrictionCursor" c ON c."shopId" = s.id
     WHERE s."uninstalledAt" IS NULL AND (
       EXISTS (
         SELECT 1 FROM "InteractionEvent" e
         WHERE e."shopId" = s.id AND e.id > COALESCE(c."lastEventId", 0))
       OR EXISTS (
         SELECT 1 FROM "FrictionPendingVisit" p
         JOIN "VisitorSession" v ON v."shopId" = p."shopId" AND v.id = p."sessionId"
         WHERE p."shopId" = s.id
           AND v."lastSeenAt" <= $1::timestamptz - make_interval(secs => $2)))`,
    [now, SESSION_IDLE_MS / 1000],
  );
  let signals = 0;
  for (const shop of shops.rows) {
    signals += await detectFriction(pool, shop.id, now);
  }
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
    await detectAllFriction(pool);
  });
}
