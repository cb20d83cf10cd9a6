import type pg from "pg";
import { addDays } from "~/analytics/date-range.server";
import { logger } from "~/logger.server";
import { EMAIL_FAILED_KIND } from "./alert-kinds";
import { emailRecipients } from "./alert-settings";
import { appUrl } from "./app-links.server";
import { renderDigestEmail } from "./digest-email";
import { digestOfDays } from "./inbox.server";
import type { Mailer } from "./mailer.server";
import { loadPreferences } from "./settings.server";
import { queueEmails } from "./store-alerts.server";
import { wallClockInstant } from "./wall-clock";

// The weekly digest email. Each shop's week runs Monday to Sunday on its
// own wall clock, and the digest of a week is due on the Monday after it at
// DIGEST_SEND_MINUTE. It goes through the alert email outbox, which defers
// it past quiet hours and retries it, so queueing is all this module does.

/** Local time the digest is due on Monday: 09:00, in minutes after midnight. */
export const DIGEST_SEND_MINUTE = 9 * 60;

export interface DigestShop {
  id: string;
  domain: string;
  name: string | null;
  timezone: string;
  currency: string;
  /** Monday (YYYY-MM-DD) that starts the week whose digest is due. */
  week: string;
}

/**
 * Queues the weekly digest of every installed shop whose latest due week
 * has none queued yet, and returns the number of digests queued. Running
 * it again in the same week queues nothing, so it is safe to schedule
 * often and to rerun after a crash.
 *
 * A week is empty, and gets no email, when no detected alert covers any
 * of its days (no alert period from Monday to Sunday). Alerts about failed
 * emails alone do not count, because their digest would mostly go to the
 * failing address. Shops that turned the digest off or have no recipient
 * get none.
 */
export async function enqueueWeeklyDigests(
  pool: pg.Pool,
  mailer: Mailer,
  now: Date = new Date(),
): Promise<number> {
  // The due week: shifting the local time back by the send time makes
  // Monday before 09:00 still count as the week before, so date_trunc
  // gives the Monday after the due week.
  const due = await pool.query<DigestShop>(
    `WITH local AS (
       SELECT s.id, s.domain, s.name, s.timezone, s.currency,
              (date_trunc('week', ($1::timestamptz AT TIME ZONE s.timezone)
                 - make_interval(mins => $2))::date - 7) AS week
       FROM "Shop" s
       LEFT JOIN "AlertSettings" a ON a."shopId" = s.id
       WHERE s."uninstalledAt" IS NULL
         AND COALESCE(a."weeklyDigestEnabled", true)
     )
     SELECT l.id, l.domain, l.name, l.timezone, l.currency,
            to_char(l.week, 'YYYY-MM-DD') AS week
     FROM local l
     WHERE EXISTS (
         SELECT 1 FROM "Alert" al
         WHERE al."shopId" = l.id
           AND al.kind <> $3
           AND al.period >= to_char(l.week, 'YYYY-MM-DD')
           AND al.period <= to_char(l.week + 6, 'YYYY-MM-DD'))
       AND NOT EXISTS (
         SELECT 1 FROM "AlertEmail" e
         WHERE e."shopId" = l.id
           AND e."digestWeek" = to_char(l.week, 'YYYY-MM-DD'))
     ORDER BY l.id`,
    [now, DIGEST_SEND_MINUTE, EMAIL_FAILED_KIND],
  );
  let queued = 0;
  for (const shop of due.rows) {
    if (await enqueueShopDigest(pool, mailer, shop)) queued += 1;
  }
  if (queued > 0) logger.info({ shops: queued }, "weekly digests queued");
  return queued;
}

/**
 * Queues the digest of `shop.week` for the shop's recipients unless the
 * week is empty. It is due at 09:00 on the Monday after the week, or at
 * `nextAttemptAt` when given. Returns whether any email was queued.
 */
export async function enqueueShopDigest(
  pool: pg.Pool,
  mailer: Mailer,
  shop: DigestShop,
  nextAttemptAt?: Date,
): Promise<boolean> {
  const recipients = emailRecipients(await loadPreferences(shop.id));
  if (recipients.length === 0) return false;
  const digest = await digestOfDays(shop, shop.week, addDays(shop.week, 6));
  const detected = digest.byKind
    .filter((row) => row.kind !== EMAIL_FAILED_KIND)
    .reduce((sum, row) => sum + row.count, 0);
  if (detected === 0) return false;

  // Rendered once, so every retry sends the same message.
  const rendered = renderDigestEmail(digest, shop.name ?? shop.domain, (path) =>
    appUrl(shop.domain, path),
  );
  const dueAt = wallClockInstant(
    addDays(shop.week, 7),
    DIGEST_SEND_MINUTE,
    shop.timezone,
    "first",
  );
  const added = await queueEmails(pool, {
    shopId: shop.id,
    source: { digestWeek: shop.week },
    recipients,
    messageIdPrefix: `digest.${shop.week}`,
    mailer,
    nextAttemptAt: nextAttemptAt ?? dueAt,
    rendered,
  });
  return added > 0;
}
