import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveRefundWebhook } from "~/orders/order-webhook.server";
import { authenticateWebhook } from "~/webhook-auth.server";

export async function action({ request }: ActionFunctionArgs) {
  const webhook = await authenticateWebhook(request);
  return receiveRefundWebhook(webhook);
}
