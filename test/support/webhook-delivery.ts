import { action as ordersCancelled } from "~/routes/webhooks.orders.cancelled";
import { action as ordersPaid } from "~/routes/webhooks.orders.paid";
import { action as ordersUpdated } from "~/routes/webhooks.orders.updated";
import { action as refundsCreate } from "~/routes/webhooks.refunds.create";
import { webhookRequest } from "./shopify";

// Signed webhooks delivered to the app's own route actions, as Shopify
// sends them.

export type Action = (args: {
  request: Request;
  params: Record<string, string>;
  context: Record<string, unknown>;
}) => Promise<Response>;

export const ORDER_WEBHOOK_ACTIONS = {
  "orders/paid": ordersPaid as Action,
  "orders/updated": ordersUpdated as Action,
  "orders/cancelled": ordersCancelled as Action,
  "refunds/create": refundsCreate as Action,
} as const;

export type OrderTopic = keyof typeof ORDER_WEBHOOK_ACTIONS;

/**
 * Runs a route action on `request` and returns the HTTP status, also when
 * the action throws a Response (as authentication does).
 */
export async function statusOf(
  action: Action,
  request: Request,
): Promise<number> {
  try {
    const response = await action({ request, params: {}, context: {} });
    return response.status;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

/** Sends a signed delivery to `action` and returns the HTTP status. */
export function deliver(
  action: Action,
  topic: string,
  shop: string,
  body: unknown,
  options: { webhookId?: string; secret?: string } = {},
): Promise<number> {
  return statusOf(action, webhookRequest({ topic, shop, body, ...options }));
}

/** Sends a signed delivery of `topic` to its route. */
export function deliverOrderWebhook(
  topic: OrderTopic,
  shop: string,
  body: unknown,
  webhookId?: string,
): Promise<number> {
  return deliver(ORDER_WEBHOOK_ACTIONS[topic], topic, shop, body, {
    webhookId,
  });
}
