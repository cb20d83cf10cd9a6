import { createHash } from "node:crypto";
import type pg from "pg";
import type { AlertKind } from "./alert-kinds";
import type { NewAlert } from "./alert-content";
import { appUrl } from "./app-links.server";
import { renderAlertEmail, type RenderedEmail } from "./email-content";
import type { Mailer } from "./mailer.server";

interface AlertShop {
  id: string;
  domain: string;
  name: string | null;
  currency: string;
}

/**
 * Stores an alert unless one with the same shop, kind, subject and period
 * exists, and queues its emails in the same transaction, so an alert never
 * exists without them. Returns the new alert's id, or null for a duplicate.
 */
export async function storeAlert(
  client: pg.PoolClient,
  shop: AlertShop,
  alert: Omit<NewAlert, "kind"> & { kind: AlertKind },
  email: { mailer: Mailer | null; recipients: string[]; now: Date },
): Promise<string | null> {
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO "Alert" ("shopId", kind, subject, period, severity, title,
                          summary, "revenueAtStake", currency, details, evidence)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT ("shopId", kind, subject, period) DO NOTHING
     RETURNING id::text`,
    [
      shop.id,
      alert.kind,
      alert.subject,
      alert.period,
      alert.severity,
      alert.title,
      alert.summary,
      alert.revenueAtStake,
      shop.currency,
      JSON.stringify(alert.details),
      JSON.stringify(alert.evidence),
    ],
  );
  const id = inserted.rows[0]?.id ?? null;
  if (id === null || !email.mailer || email.recipients.length === 0) {
    return id;
  }

  // Rendered now, so every retry sends the same message.
  const rendered = renderAlertEmail(
    {
      ...alert,
      revenueAtStake:
        alert.revenueAtStake === null ? null : String(alert.revenueAtStake),
      currency: shop.currency,
    },
    shop.name ?? shop.domain,
    (path) => appUrl(shop.domain, path),
  );
  await queueEmails(client, {
    shopId: shop.id,
    source: { alertId: id },
    recipients: email.recipients,
    messageIdPrefix: `alert.${id}`,
    mailer: email.mailer,
    nextAttemptAt: email.now,
    rendered,
  });
  return id;
}

/**
 * Queues one outbox row per recipient for an alert or a weekly digest.
 * Recipients that already have a row for it keep theirs. Returns the
 * number of rows added.
 */
export async function queueEmails(
  client: pg.Pool | pg.PoolClient,
  email: {
    shopId: string;
    source: { alertId: string } | { digestWeek: string };
    recipients: string[];
    /** Start of each Message-ID; a hash of shop and recipient follows. */
    messageIdPrefix: string;
    mailer: Mailer;
    nextAttemptAt: Date;
    rendered: RenderedEmail;
  },
): Promise<number> {
  const alertId = "alertId" in email.source ? email.source.alertId : null;
  const digestWeek =
    "digestWeek" in email.source ? email.source.digestWeek : null;
  const inserted = await client.query(
    `INSERT INTO "AlertEmail" ("shopId", "alertId", "digestWeek", recipient,
                               "messageId", "nextAttemptAt", subject, text,
                               html)
     SELECT $1, $2, $3, r.recipient, r.message_id, $6, $7, $8, $9
     FROM unnest($4::text[], $5::text[]) AS r(recipient, message_id)
     ON CONFLICT DO NOTHING`,
    [
      email.shopId,
      alertId,
      digestWeek,
      email.recipients,
      email.recipients.map(
        (recipient) =>
          `<${email.messageIdPrefix}.${addressHash(email.shopId, recipient)}@${email.mailer.messageIdHost}>`,
      ),
      email.nextAttemptAt,
      email.rendered.subject,
      email.rendered.text,
      email.rendered.html,
    ],
  );
  return inserted.rowCount ?? 0;
}

/** Hashes a shop and recipient into a short, stable Message-ID part. */
function addressHash(shopId: string, recipient: string): string {
  return createHash("sha256")
    .update(`${shopId} ${recipient}`)
    .digest("hex")
    .slice(0, 16);
}
