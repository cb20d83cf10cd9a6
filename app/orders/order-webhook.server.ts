import { logger } from "~/logger.server";
import { InvalidOrderPayloadError, type OrderInput } from "./order-input";
import {
  claimWebhookDelivery,
  findOrderFacts,
  findShopForOrders,
  inTransaction,
  storeOrder,
  storeRefund,
} from "./store-order.server";
import {
  orderFromWebhook,
  refundFromWebhook,
  refundOrderId,
} from "./webhook-payload";

/** The parts of `authenticate.webhook`'s result that the handlers read. */
export interface OrderWebhook {
  shop: string;
  topic: string;
  webhookId: string;
  payload: unknown;
}

type Outcome = "stored" | "stale" | "duplicate" | "unknown_shop";

/**
 * Responds 422 to a payload that cannot be stored. The delivery is not
 * recorded, so Shopify's retries reach the handler again, and a non-2xx
 * status shows the failure in the app's webhook delivery metrics.
 */
function rejected(webhook: OrderWebhook, error: InvalidOrderPayloadError) {
  logger.error(
    {
      shop: webhook.shop,
      topic: webhook.topic,
      webhookId: webhook.webhookId,
      problems: error.problems,
    },
    "order webhook rejected",
  );
  return new Response(null, { status: 422 });
}

function processed(
  webhook: OrderWebhook,
  outcome: Outcome,
  details: Record<string, unknown> = {},
) {
  logger.info(
    {
      shop: webhook.shop,
      topic: webhook.topic,
      webhookId: webhook.webhookId,
      outcome,
      ...details,
    },
    "order webhook processed",
  );
  return new Response();
}

/**
 * Stores the order of an orders/paid, orders/updated or orders/cancelled
 * delivery, with its refunds. Unknown shops get a 200 so Shopify stops
 * retrying.
 */
export async function receiveOrderWebhook(
  webhook: OrderWebhook,
): Promise<Response> {
  const shop = await findShopForOrders(webhook.shop);
  if (!shop) return processed(webhook, "unknown_shop");

  let order: OrderInput;
  try {
    order = orderFromWebhook(webhook.payload, webhook.topic);
  } catch (error) {
    if (error instanceof InvalidOrderPayloadError) {
      return rejected(webhook, error);
    }
    throw error;
  }

  const outcome = await inTransaction(async (client) => {
    if (!(await claimWebhookDelivery(client, webhook))) return "duplicate";
    const stored = await storeOrder(client, shop.id, order);
    return stored.applied ? "stored" : "stale";
  });
  return processed(webhook, outcome, {
    orderId: order.id,
    refunds: order.refunds.length,
  });
}

/**
 * Stores the refund of a refunds/create delivery. The payload states no
 * currency, so the stored order's currency is used, or the shop's when the
 * order has not arrived yet.
 */
export async function receiveRefundWebhook(
  webhook: OrderWebhook,
): Promise<Response> {
  const shop = await findShopForOrders(webhook.shop);
  if (!shop) return processed(webhook, "unknown_shop");

  try {
    const outcome = await inTransaction(async (client) => {
      if (!(await claimWebhookDelivery(client, webhook))) {
        return { outcome: "duplicate" as const };
      }
      const orderId = refundOrderId(webhook.payload);
      const order = orderId
        ? await findOrderFacts(client, shop.id, orderId)
        : null;
      const { refund, testTransactions } = refundFromWebhook(
        webhook.payload,
        order?.currency ?? shop.currency,
        webhook.topic,
      );
      // A later orders/updated delivery carries the same refund with its
      // final transaction status, so this never replaces a stored row.
      await storeRefund(
        client,
        shop.id,
        refund,
        order?.test ?? testTransactions,
        "keep",
      );
      return {
        outcome: "stored" as const,
        orderId: refund.orderId,
        refundId: refund.id,
      };
    });
    const { outcome: result, ...details } = outcome;
    return processed(webhook, result, details);
  } catch (error) {
    if (error instanceof InvalidOrderPayloadError) {
      return rejected(webhook, error);
    }
    throw error;
  }
}
