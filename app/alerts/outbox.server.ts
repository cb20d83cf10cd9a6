import type pg from "pg";
import { RANGE_BOUNDS_SQL, localDay } from "~/analytics/date-range.server";
import { logger } from "~/logger.server";
import { withTransaction } from "~/transaction.server";
import { EMAIL_FAILED_KIND, WEEKLY_DIGEST_KIND } from "./alert-kinds";
import type { Mailer } from "./mailer.server";
import { quietHoursEnd } from "./quiet-hours";
import { loadPreferences } from "./settings.server";
import { storeAlert } from "./store-alerts.server";

// Delivery of queued alert emails and weekly digests. Each AlertEmail row
// is claimed in one transaction (status "sending"), sent, then marked
// "sent" in another, so each row is sent once except in one window that
// no SMTP client can close. The server may accept the message (or accept it and lose the
// reply) just before the process stops, and then "sent" is never
// committed. Such a row stays "sending", and after SENDING_LEASE_MS it is
// sent again with the same Message-ID, which many mail stores use to drop
// the second copy. Never resending would lose the alert instead.

/** Emails sent per run; the rest wait for the next minute. */
const BATCH_SIZE = 25;
/**
 * A "sending" row older than this is taken as abandoned by a stopped
 * worker. Longer than nodemailer's connect and socket time limits combined.
 */
export const SENDING_LEASE_MS = 10 * 60_000;
/** Attempts before a temporary failure is given up as permanent. */
export const MAX_ATTEMPTS = 12;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 6 * 60 * 60_000;

/** Wait before attempt `attempts + 1`: 1, 2, 4 ... minutes, at most 6 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(
    FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1),
    MAX_RETRY_MS,
  );
}

interface ClaimedEmail {
  shopId: string;
  id: string;
  /** Null for a weekly digest. */
  alertId: string | null;
  /** Monday of the week a weekly digest covers; null for an alert. */
  digestWeek: string | null;
  recipient: string;
  messageId: string;
  attempts: number;
  subject: string;
  text: string;
  html: string;
  kind: string;
  timezone: string;
  domain: string;
  name: string | null;
  currency: string;
}

export interface SendSummary {
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
  deferred: number;
}

/**
 * Sends the alert emails that are due. Applies each shop's settings at
 * send time: emails off or kind muted skips the email, quiet hours defer
 * it to their end, and the daily cap skips alerts past it (they stay in the
 * inbox). A weekly digest follows its own setting and the quiet hours
 * only, and no daily limit applies to it. Temporary SMTP failures (4xx,
 * connection errors) retry with backoff; permanent ones (5xx) fail the
 * email and raise an inbox alert.
 */
export async function sendDueEmails(
  pool: pg.Pool,
  mailer: Mailer,
  now: Date = new Date(),
): Promise<SendSummary> {
  const summary: SendSummary = {
    sent: 0,
    retrying: 0,
    failed: 0,
    skipped: 0,
    deferred: 0,
  };
  const claimed = await withTransaction(pool, (client) =>
    claimDueEmails(client, now, summary),
  );
  for (const email of claimed) {
    await deliver(pool, mailer, email, now, summary);
  }
  if (claimed.length > 0 || summary.skipped > 0 || summary.deferred > 0) {
    logger.info({ ...summary }, "alert emails processed");
  }
  return summary;
}

async function claimDueEmails(
  client: pg.PoolClient,
  now: Date,
  summary: SendSummary,
): Promise<ClaimedEmail[]> {
  const due = await client.query<ClaimedEmail>(
    `SELECT e."shopId", e.id::text, e."alertId"::text, e."digestWeek",
            e.recipient, e."messageId", e.attempts, e.subject, e.text, e.html,
            COALESCE(a.kind, '${WEEKLY_DIGEST_KIND}') AS kind,
            s.timezone, s.domain, s.name, s.currency
     FROM "AlertEmail" e
     LEFT JOIN "Alert" a ON a."shopId" = e."shopId" AND a.id = e."alertId"
     JOIN "Shop" s ON s.id = e."shopId" AND s."uninstalledAt" IS NULL
     WHERE ((e.status = 'pending' AND e."nextAttemptAt" <= $1)
        OR (e.status = 'sending' AND e."lastAttemptAt" <= $2))
     ORDER BY e."nextAttemptAt", e.id
     LIMIT ${BATCH_SIZE}
     FOR UPDATE OF e SKIP LOCKED`,
    [now, new Date(now.getTime() - SENDING_LEASE_MS)],
  );
  const claimed: ClaimedEmail[] = [];
  const alertsToday = new Map<string, Set<string>>();
  for (const email of due.rows) {
    const preferences = await loadPreferences(email.shopId);
    const skip = (reason: string) =>
      client.query(
        `UPDATE "AlertEmail" SET status = 'skipped', "lastError" = $3
         WHERE "shopId" = $1 AND id = $2`,
        [email.shopId, email.id, reason],
      );
    const digest = email.alertId === null;
    if (digest && !preferences.weeklyDigestEnabled) {
      await skip("The weekly digest is turned off in settings.");
      summary.skipped += 1;
      continue;
    }
    if (!digest && !preferences.emailEnabled) {
      await skip("Alert emails are turned off in settings.");
      summary.skipped += 1;
      continue;
    }
    if (preferences.mutedKinds.includes(email.kind)) {
      await skip("This kind of alert is muted.");
      summary.skipped += 1;
      continue;
    }
    const quietEnd = quietHoursEnd(now, email.timezone, {
      start: preferences.quietStartMinute,
      end: preferences.quietEndMinute,
    });
    if (quietEnd) {
      await client.query(
        `UPDATE "AlertEmail" SET status = 'pending', "nextAttemptAt" = $3
         WHERE "shopId" = $1 AND id = $2`,
        [email.shopId, email.id, quietEnd],
      );
      summary.deferred += 1;
      continue;
    }
    if (email.alertId === null) {
      await markSending(client, email, now);
      claimed.push({ ...email, attempts: email.attempts + 1 });
      continue;
    }
    let emailed = alertsToday.get(email.shopId);
    if (!emailed) {
      emailed = await alertsEmailedToday(client, email, now);
      alertsToday.set(email.shopId, emailed);
    }
    if (
      !emailed.has(email.alertId) &&
      emailed.size >= preferences.dailyEmailCap
    ) {
      await skip(
        `The daily limit of ${preferences.dailyEmailCap} alert emails was reached.`,
      );
      summary.skipped += 1;
      continue;
    }
    emailed.add(email.alertId);
    await markSending(client, email, now);
    claimed.push({ ...email, attempts: email.attempts + 1 });
  }
  return claimed;
}

async function markSending(
  client: pg.PoolClient,
  email: ClaimedEmail,
  now: Date,
): Promise<void> {
  await client.query(
    `UPDATE "AlertEmail"
     SET status = 'sending', attempts = attempts + 1, "lastAttemptAt" = $3
     WHERE "shopId" = $1 AND id = $2`,
    [email.shopId, email.id, now],
  );
}

/** Alerts of the shop emailed (or being emailed) on its local day of `now`. */
async function alertsEmailedToday(
  client: pg.PoolClient,
  email: ClaimedEmail,
  now: Date,
): Promise<Set<string>> {
  const today = localDay(now, email.timezone);
  const result = await client.query<{ alertId: string }>(
    `SELECT DISTINCT "alertId"::text AS "alertId" FROM "AlertEmail"
     WHERE "shopId" = $1 AND status IN ('sent', 'sending')
       AND "alertId" IS NOT NULL
       AND "lastAttemptAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$3")}
       AND "lastAttemptAt" < ${RANGE_BOUNDS_SQL.upper("$2", "$3")}`,
    [email.shopId, today, email.timezone],
  );
  return new Set(result.rows.map((row) => row.alertId));
}

/** SMTP replies of 5xx are permanent; anything else may pass on retry. */
function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 500);
}

async function deliver(
  pool: pg.Pool,
  mailer: Mailer,
  email: ClaimedEmail,
  now: Date,
  summary: SendSummary,
): Promise<void> {
  try {
    await mailer.transport.sendMail({
      from: mailer.from,
      to: email.recipient,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: email.messageId,
      headers:
        email.alertId === null
          ? { "X-Storelens-Digest": email.digestWeek ?? "" }
          : { "X-Storelens-Alert": email.alertId },
    });
  } catch (error) {
    await recordFailure(pool, email, error, now, summary);
    return;
  }
  await pool.query(
    `UPDATE "AlertEmail" SET status = 'sent', "sentAt" = $3, "lastError" = NULL
     WHERE "shopId" = $1 AND id = $2`,
    [email.shopId, email.id, now],
  );
  summary.sent += 1;
}

async function recordFailure(
  pool: pg.Pool,
  email: ClaimedEmail,
  error: unknown,
  now: Date,
  summary: SendSummary,
): Promise<void> {
  const reason = describe(error);
  const permanent = isPermanent(error) || email.attempts >= MAX_ATTEMPTS;
  const log = { shop: email.domain, email: email.id, attempts: email.attempts };
  if (!permanent) {
    const next = new Date(now.getTime() + retryDelayMs(email.attempts));
    await pool.query(
      `UPDATE "AlertEmail"
       SET status = 'pending', "nextAttemptAt" = $3, "lastError" = $4
       WHERE "shopId" = $1 AND id = $2`,
      [email.shopId, email.id, next, reason],
    );
    logger.warn(
      { ...log, err: reason, retryAt: next },
      "alert email failed, will retry",
    );
    summary.retrying += 1;
    return;
  }
  logger.error({ ...log, err: reason }, "alert email failed for good");
  summary.failed += 1;
  await withTransaction(pool, async (client) => {
    await client.query(
      `UPDATE "AlertEmail" SET status = 'failed', "lastError" = $3
       WHERE "shopId" = $1 AND id = $2`,
      [email.shopId, email.id, reason],
    );
    await storeAlert(
      client,
      {
        id: email.shopId,
        domain: email.domain,
        name: email.name,
        currency: email.currency,
      },
      {
        kind: EMAIL_FAILED_KIND,
        subject: email.recipient,
        period: localDay(now, email.timezone),
        severity: "warning",
        title: `Alert emails to ${email.recipient} are not delivered`,
        summary: `The mail server refused "${email.subject}" for ${email.recipient} after ${email.attempts} ${email.attempts === 1 ? "attempt" : "attempts"}: ${reason} Check the address in alert settings.`,
        revenueAtStake: null,
        details: { recipient: email.recipient, error: reason },
        evidence: [{ label: "Alert settings", path: "/app/settings" }],
      },
      // Never emailed: the failure is about email itself.
      { mailer: null, recipients: [], now },
    );
  });
}
