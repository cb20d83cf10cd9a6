import type PgBoss from "pg-boss";
import type pg from "pg";
import { detectAllAlerts } from "./detect-alerts.server";
import { appMailer } from "./mailer.server";
import { sendDueEmails } from "./outbox.server";

export const ALERT_DETECTION_QUEUE = "alert-detection";
export const ALERT_EMAIL_QUEUE = "alert-email";
/**
 * Every five minutes for drops and slow friction; new friction signals
 * also request a run (see requestAlertDetection).
 */
const DETECTION_SCHEDULE = "*/5 * * * *";
/** Every minute: due retries and the end of quiet hours are picked up. */
const EMAIL_SCHEDULE = "* * * * *";

/**
 * Queues an alert detection run. The queue keeps at most one run waiting
 * beside the active one, so frequent requests do not pile up.
 */
export async function requestAlertDetection(boss: PgBoss): Promise<void> {
  await boss.send(ALERT_DETECTION_QUEUE, { recentFriction: true });
}

/** Creates the detection and email queues, their schedules and workers. */
export async function registerAlertJobs(
  boss: PgBoss,
  pool: pg.Pool,
): Promise<void> {
  // "stately": one job active and at most one waiting per queue.
  await boss.createQueue(ALERT_DETECTION_QUEUE, {
    name: ALERT_DETECTION_QUEUE,
    policy: "stately",
  });
  await boss.createQueue(ALERT_EMAIL_QUEUE, {
    name: ALERT_EMAIL_QUEUE,
    policy: "stately",
  });
  await boss.schedule(ALERT_DETECTION_QUEUE, DETECTION_SCHEDULE);
  await boss.schedule(ALERT_EMAIL_QUEUE, EMAIL_SCHEDULE);
  await boss.work<{ recentFriction?: boolean }>(
    ALERT_DETECTION_QUEUE,
    async ([job]) => {
      const created = await detectAllAlerts(pool, appMailer(), new Date(), {
        recentFriction: job?.data?.recentFriction === true,
      });
      if (created > 0) await boss.send(ALERT_EMAIL_QUEUE, {});
    },
  );
  await boss.work(ALERT_EMAIL_QUEUE, async () => {
    const mailer = appMailer();
    if (mailer) await sendDueEmails(pool, mailer);
  });
}
