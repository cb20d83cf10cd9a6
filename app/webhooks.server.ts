import { prisma } from "./db.server";
import { logger } from "./logger.server";

/**
 * Records a webhook delivery by its X-Shopify-Webhook-Id. Returns false when
 * the same delivery was processed before: Shopify retries until it gets a
 * 200, so one event may arrive several times.
 */
export async function firstDelivery(
  request: Request,
  shop: string,
  topic: string,
): Promise<boolean> {
  const id = request.headers.get("x-shopify-webhook-id");
  logger.info({ shop, topic, webhookId: id }, "webhook received");
  if (!id) return true;
  const inserted = await prisma.$executeRaw`
    INSERT INTO "WebhookDelivery" (id, "shopDomain", topic)
    VALUES (${id}, ${shop}, ${topic})
    ON CONFLICT (id) DO NOTHING`;
  if (inserted === 0) {
    logger.info({ shop, topic, webhookId: id }, "webhook already processed");
  }
  return inserted > 0;
}

/** Reads `customer.id` from a customers/* privacy webhook payload. */
export function customerIdOf(payload: unknown): string | null {
  const id = (payload as { customer?: { id?: unknown } })?.customer?.id;
  return typeof id === "number" || typeof id === "string" ? String(id) : null;
}
