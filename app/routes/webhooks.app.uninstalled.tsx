import type { ActionFunctionArgs } from "@remix-run/node";
import { authenticateWebhook } from "~/webhook-auth.server";
import { markUninstalled } from "~/shops.server";
import { alreadyProcessed, recordDelivery } from "~/webhooks.server";

export async function action({ request }: ActionFunctionArgs) {
  const { shop, topic } = await authenticateWebhook(request);
  if (await alreadyProcessed(request, shop, topic)) return new Response();

  // Shopify may deliver this after the shop's sessions are already gone, so
  // every step tolerates missing rows.
  await markUninstalled(shop);
  await recordDelivery(request, shop, topic);
  return new Response();
}
