import type PgBoss from "pg-boss";
import type pg from "pg";
import { logger } from "~/logger.server";
import { DEFAULT_RECORDING_SETTINGS } from "./recording-settings.server";

export const RECORDING_RETENTION_QUEUE = "recording-retention";
/** Hourly: a chunk outlives its retention period by an hour at most. */
const RETENTION_SCHEDULE = "17 * * * *";
/** Rows deleted per statement, so one pass never holds long locks. */
export const RETENTION_DELETE_BATCH = 5_000;

/**
 * Deletes recording chunks older than each shop's retention period, then
 * stylesheets no chunk used within it and the recordings left without
 * chunks. Returns the chunks deleted.
 */
export async function deleteExpiredRecordings(
  pool: pg.Pool,
  now: Date = new Date(),
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await pool.query(
      `DELETE FROM "RecordingChunk" c
       WHERE ("shopId", id) IN (
         SELECT c2."shopId", c2.id FROM "RecordingChunk" c2
         LEFT JOIN "RecordingSettings" s ON s."shopId" = c2."shopId"
         WHERE c2."receivedAt" < $1::timestamptz
           - make_interval(days => COALESCE(s."retentionDays", $2))
         LIMIT $3)`,
      [now, DEFAULT_RECORDING_SETTINGS.retentionDays, RETENTION_DELETE_BATCH],
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < RETENTION_DELETE_BATCH) break;
  }
  await pool.query(
    `DELETE FROM "RecordingStylesheet" c
     USING "Shop" s LEFT JOIN "RecordingSettings" rs ON rs."shopId" = s.id
     WHERE c."shopId" = s.id
       AND c."lastUsedAt" < $1::timestamptz
         - make_interval(days => COALESCE(rs."retentionDays", $2))`,
    [now, DEFAULT_RECORDING_SETTINGS.retentionDays],
  );
  await pool.query(
    `DELETE FROM "Recording" r WHERE NOT EXISTS (
       SELECT 1 FROM "RecordingChunk" c
       WHERE c."shopId" = r."shopId" AND c."sessionId" = r."sessionId")`,
  );
  if (deleted > 0)
    logger.info({ chunks: deleted }, "expired recordings deleted");
  return deleted;
}

/** Creates the queue, its hourly schedule and its worker. */
export async function registerRecordingJobs(
  boss: PgBoss,
  pool: pg.Pool,
): Promise<void> {
  await boss.createQueue(RECORDING_RETENTION_QUEUE, {
    name: RECORDING_RETENTION_QUEUE,
    policy: "singleton",
  });
  await boss.schedule(RECORDING_RETENTION_QUEUE, RETENTION_SCHEDULE);
  await boss.work(RECORDING_RETENTION_QUEUE, async () => {
    await deleteExpiredRecordings(pool);
  });
}
