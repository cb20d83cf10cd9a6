import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveOrderWebhook } from "~/orders/order-webhook.server";
import { authenticateWebhook } from "~/webhook-auth.server";

export async function action({ request }: ActionFunctionArgs) {
  const webhook = await authenticateWebhook(request);
  return receiveOrderWebhook(webhook);
}
