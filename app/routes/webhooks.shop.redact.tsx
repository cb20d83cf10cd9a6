import type { ActionFunctionArgs } from "@remix-run/node";
import { logger } from "~/logger.server";
import { authenticateWebhook } from "~/webhook-auth.server";
import { redactShop } from "~/shops.server";
import { alreadyProcessed, recordDelivery } from "~/webhooks.server";

// Sent 48 hours after an uninstall: every row of the shop is deleted.
export async function action({ request }: ActionFunctionArgs) {
  const { shop, topic } = await authenticateWebhook(request);
  if (await alreadyProcessed(request, shop, topic)) return new Response();

  const shops = await redactShop(shop);
  logger.info({ shop, topic, deleted: shops }, "shop data deleted");
  await recordDelivery(request, shop, topic);
  return new Response();
}
