import type PgBoss from "pg-boss";
import { runBackfill, setBackfillDispatcher } from "./backfill.server";

// The order backfill as a pg-boss job. The job carries only the shop id:
// progress lives in "OrderBackfill", so a retried or duplicated job resumes
// from the saved cursor instead of starting over.

export const ORDER_BACKFILL_QUEUE = "order-backfill";

export interface OrderBackfillJob {
  shopId: string;
}

// "stately" lets each shop have at most one queued and one active job, so
// repeated starts of one shop's backfill do not pile up.
const QUEUE_OPTIONS = {
  name: ORDER_BACKFILL_QUEUE,
  policy: "stately",
  // A failed run is retried from its cursor: after 1, 2, 4, 8, 16 minutes.
  retryLimit: 5,
  retryDelay: 60,
  retryBackoff: true,
  // A job active for longer than this is failed and retried. Four hours
  // leaves time for a large shop's import.
  expireInSeconds: 4 * 3600,
} satisfies PgBoss.Queue;

/** Runs queued backfills. A thrown error makes pg-boss retry the job. */
export async function handleOrderBackfillJobs(
  jobs: PgBoss.Job<OrderBackfillJob>[],
): Promise<void> {
  for (const job of jobs) {
    await runBackfill(job.data.shopId);
  }
}

/**
 * Creates the backfill queue, starts its worker and makes `startBackfill`
 * and `resumeBackfills` send jobs to it. Call after `boss.start()`.
 */
export async function registerOrderJobs(
  boss: PgBoss,
  options: { pollingIntervalSeconds?: number; retryDelaySeconds?: number } = {},
): Promise<void> {
  await boss.createQueue(ORDER_BACKFILL_QUEUE, {
    ...QUEUE_OPTIONS,
    retryDelay: options.retryDelaySeconds ?? QUEUE_OPTIONS.retryDelay,
  });
  await boss.work<OrderBackfillJob>(
    ORDER_BACKFILL_QUEUE,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
    handleOrderBackfillJobs,
  );
  setBackfillDispatcher(async (shopId) => {
    await boss.send(ORDER_BACKFILL_QUEUE, { shopId }, { singletonKey: shopId });
  });
}
