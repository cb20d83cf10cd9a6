import { createHash } from "node:crypto";
import type pg from "pg";
import type { AlertKind } from "./alert-kinds";
import type { NewAlert } from "./alert-content";
import { appUrl } from "./app-links.server";
import { renderAlertEmail } from "./email-content";
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
  const host = email.mailer.messageIdHost;
  await client.query(
    `INSERT INTO "AlertEmail" ("shopId", "alertId", recipient, "messageId",
                               "nextAttemptAt", subject, text, html)
     SELECT $1, $2, r.recipient, r.message_id, $5, $6, $7, $8
     FROM unnest($3::text[], $4::text[]) AS r(recipient, message_id)
     ON CONFLICT DO NOTHING`,
    [
      shop.id,
      id,
      email.recipients,
      email.recipients.map(
        (recipient) =>
          `<alert.${id}.${addressHash(shop.id, recipient)}@${host}>`,
      ),
      email.now,
      rendered.subject,
      rendered.text,
      rendered.html,
    ],
  );
  return id;
}

/** Hashes a shop and recipient into a short, stable Message-ID part. */
function addressHash(shopId: string, recipient: string): string {
  return createHash("sha256")
    .update(`${shopId} ${recipient}`)
    .digest("hex")
    .slice(0, 16);
}
