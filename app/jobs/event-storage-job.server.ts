import type PgBoss from "pg-boss";
import type pg from "pg";
import { logger } from "~/logger.server";
import { ensureEventPartitions } from "./event-partitions.server";
import {
  dropExpiredEventPartitions,
  pruneIngestBatches,
  pruneWebhookDeliveries,
} from "./event-retention.server";

export const EVENT_STORAGE_QUEUE = "event-storage";
/**
 * Hourly. Partitions are made twelve weeks ahead, so a missed run costs
 * nothing. The hour bounds how long an expired week outlives its window.
 */
const EVENT_STORAGE_SCHEDULE = "41 * * * *";

export interface EventStorageOptions {
  /** Days raw events are kept (RAW_EVENT_RETENTION_DAYS). */
  retentionDays: number;
  now?: Date;
}

/**
 * Creates the coming weeks' event partitions, drops expired ones, and
 * prunes the ingest and webhook dedup receipts past their windows. Each
 * step runs even when an earlier one failed, and the first failure is
 * raised at the end, so pg-boss records the job as failed.
 */
export async function maintainEventStorage(
  pool: pg.Pool,
  options: EventStorageOptions,
) {
  const failures: unknown[] = [];
  const attempt = async <T>(step: string, run: () => Promise<T>) => {
    try {
      return await run();
    } catch (error) {
      logger.error({ err: error, step }, "event storage step failed");
      failures.push(error);
      return null;
    }
  };
  const partitions = await attempt("create partitions", () =>
    ensureEventPartitions(pool, options),
  );
  const retention = await attempt("drop expired partitions", () =>
    dropExpiredEventPartitions(pool, options),
  );
  const ingestBatches = await attempt("prune ingest receipts", () =>
    pruneIngestBatches(pool, options.now),
  );
  const webhookDeliveries = await attempt("prune webhook deliveries", () =>
    pruneWebhookDeliveries(pool, options.now),
  );
  if (failures.length > 0) throw failures[0];
  // Every step succeeded, so none of the results is null.
  return {
    partitions: partitions!,
    retention: retention!,
    ingestBatches: ingestBatches!,
    webhookDeliveries: webhookDeliveries!,
  };
}

/**
 * Creates the queue, its hourly schedule and its worker, then makes sure
 * the coming weeks have partitions before the server takes traffic. A
 * failure there is logged, not raised: the DEFAULT partition still takes
 * every insert, and the hourly run tries again.
 */
export async function registerEventStorageJobs(
  boss: PgBoss,
  pool: pg.Pool,
  options: EventStorageOptions,
): Promise<void> {
  await boss.createQueue(EVENT_STORAGE_QUEUE, {
    name: EVENT_STORAGE_QUEUE,
    policy: "singleton",
  });
  await boss.schedule(EVENT_STORAGE_QUEUE, EVENT_STORAGE_SCHEDULE);
  await boss.work(EVENT_STORAGE_QUEUE, async () => {
    await maintainEventStorage(pool, options);
  });
  try {
    await ensureEventPartitions(pool, options);
  } catch (error) {
    logger.error({ err: error }, "creating event partitions at start failed");
  }
}
