import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveRefundWebhook } from "~/orders/order-webhook.server";
import { authenticate } from "~/shopify.server";

export async function action({ request }: ActionFunctionArgs) {
  const webhook = await authenticate.webhook(request);
  return receiveRefundWebhook(webhook);
}
