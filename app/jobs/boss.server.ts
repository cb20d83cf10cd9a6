import PgBoss from "pg-boss";
import { registerAlertJobs } from "~/alerts/alert-jobs.server";
import { registerWeeklyDigestJob } from "~/alerts/weekly-digest-job.server";
import { registerHeatmapJobs } from "~/analytics/heatmap-rollup-job.server";
import {
  refreshAllRollups,
  registerRollupJobs,
} from "~/analytics/revenue/rollup-job.server";
import { pool } from "~/db.server";
import { env } from "~/env.server";
import { registerFrictionJobs } from "~/friction/friction-job.server";
import { registerEventStorageJobs } from "~/jobs/event-storage-job.server";
import { logger } from "~/logger.server";
import { registerOrderJobs } from "~/orders/backfill-job.server";
import { resumeBackfills } from "~/orders/backfill.server";
import { registerRecordingJobs } from "~/replay/retention-job.server";

/**
 * Starts pg-boss on the app's database (it keeps its own "pgboss" schema),
 * registers every background job, and resumes order imports a crash
 * interrupted. Returns a function that stops the workers.
 */
export async function startJobs(): Promise<() => Promise<void>> {
  const boss = new PgBoss({ connectionString: env().DATABASE_URL, max: 3 });
  boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
  await boss.start();
  await registerOrderJobs(boss);
  await registerRollupJobs(boss, pool);
  await registerFrictionJobs(boss, pool);
  await registerHeatmapJobs(boss, pool);
  await registerRecordingJobs(boss, pool);
  await registerAlertJobs(boss, pool);
  await registerWeeklyDigestJob(boss, pool);
  await registerEventStorageJobs(boss, pool, {
    retentionDays: env().RAW_EVENT_RETENTION_DAYS,
  });
  const resumed = await resumeBackfills();
  if (resumed.length > 0) {
    logger.info({ shops: resumed.length }, "order imports resumed");
  }
  // Catch up at once rather than at the next minute.
  await refreshAllRollups(pool);
  // `wait` resolves only once the workers and the queue's own connections
  // are closed, so the caller may stop PostgreSQL right after.
  return () => boss.stop({ graceful: true, wait: true, timeout: 30_000 });
}
