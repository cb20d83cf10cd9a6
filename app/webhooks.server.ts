import { prisma } from "./db.server";
import { logger } from "./logger.server";

/**
 * Returns true when this X-Shopify-Webhook-Id was already processed.
 * Shopify retries until it gets a 200, so one event may arrive several
 * times. A delivery is recorded only after its work succeeded (see
 * `recordDelivery`), so a failed attempt is processed again on retry.
 */
export async function alreadyProcessed(
  request: Request,
  shop: string,
  topic: string,
): Promise<boolean> {
  const id = request.headers.get("x-shopify-webhook-id");
  logger.info({ shop, topic, webhookId: id }, "webhook received");
  if (!id) return false;
  const seen = await prisma.webhookDelivery.findUnique({ where: { id } });
  if (seen) {
    logger.info({ shop, topic, webhookId: id }, "webhook already processed");
  }
  return seen !== null;
}

/** Marks a delivery as processed once its handler's work is done. */
export async function recordDelivery(
  request: Request,
  shop: string,
  topic: string,
): Promise<void> {
  const id = request.headers.get("x-shopify-webhook-id");
  if (!id) return;
  await prisma.$executeRaw`
    INSERT INTO "WebhookDelivery" (id, "shopDomain", topic)
    VALUES (${id}, ${shop}, ${topic})
    ON CONFLICT (id) DO NOTHING`;
}

/** Reads `customer.id` from a customers/* privacy webhook payload. */
export function customerIdOf(payload: unknown): string | null {
  const id = (payload as { customer?: { id?: unknown } })?.customer?.id;
  return typeof id === "number" || typeof id === "string" ? String(id) : null;
}

/** Reads `orders_to_redact` from a customers/redact payload as id strings. */
export function ordersToRedact(payload: unknown): string[] {
  const ids = (payload as { orders_to_redact?: unknown })?.orders_to_redact;
  if (!Array.isArray(ids)) return [];
  return ids
    .filter((id) => typeof id === "number" || typeof id === "string")
    .map(String);
}
