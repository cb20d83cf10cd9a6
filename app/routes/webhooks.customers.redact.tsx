import type { ActionFunctionArgs } from "@remix-run/node";
import { logger } from "~/logger.server";
import { authenticateWebhook } from "~/webhook-auth.server";
import { redactCustomer } from "~/shops.server";
import {
  alreadyProcessed,
  customerIdOf,
  ordersToRedact,
  recordDelivery,
} from "~/webhooks.server";

export async function action({ request }: ActionFunctionArgs) {
  const { shop, topic, payload } = await authenticateWebhook(request);
  if (await alreadyProcessed(request, shop, topic)) return new Response();

  const customerId = customerIdOf(payload);
  if (customerId === null) {
    logger.warn({ shop, topic }, "customers/redact without a customer id");
    return new Response();
  }
  const sessions = await redactCustomer(
    shop,
    customerId,
    ordersToRedact(payload),
  );
  logger.info({ shop, topic, sessions }, "customer data deleted");
  await recordDelivery(request, shop, topic);
  return new Response();
}
