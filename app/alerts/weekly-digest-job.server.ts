import type PgBoss from "pg-boss";
import type pg from "pg";
import { ALERT_EMAIL_QUEUE } from "./alert-jobs.server";
import { appMailer, type Mailer } from "./mailer.server";
import { enqueueWeeklyDigests } from "./weekly-digest.server";

export const WEEKLY_DIGEST_QUEUE = "weekly-digest";
/**
 * Every 15 minutes (pg-boss cron runs in UTC). Every zone's offset is a
 * multiple of 15 minutes, so a digest is queued within 15 minutes after
 * 09:00 local on Monday.
 */
const DIGEST_SCHEDULE = "*/15 * * * *";

/**
 * Creates the weekly digest queue, its schedule and its worker, which
 * queues due digests in the email outbox and requests an email job run
 * to send them at once. Needs the alert email queue (registerAlertJobs).
 * `mailer` returns the SMTP mailer, or null when email is not set up.
 */
export async function registerWeeklyDigestJob(
  boss: PgBoss,
  pool: pg.Pool,
  mailer: () => Mailer | null = appMailer,
): Promise<void> {
  await boss.createQueue(WEEKLY_DIGEST_QUEUE, {
    name: WEEKLY_DIGEST_QUEUE,
    policy: "stately",
  });
  await boss.schedule(WEEKLY_DIGEST_QUEUE, DIGEST_SCHEDULE);
  await boss.work(WEEKLY_DIGEST_QUEUE, async () => {
    const smtp = mailer();
    if (!smtp) return;
    const queued = await enqueueWeeklyDigests(pool, smtp);
    if (queued > 0) await boss.send(ALERT_EMAIL_QUEUE, {});
  });
}
