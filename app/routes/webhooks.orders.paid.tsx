import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveOrderWebhook } from "~/orders/order-webhook.server";
import { authenticate } from "~/shopify.server";

export async function action({ request }: ActionFunctionArgs) {
  const webhook = await authenticate.webhook(request);
  return receiveOrderWebhook(webhook);
}
