import type { ActionFunctionArgs } from "@remix-run/node";
import { logger } from "~/logger.server";
import { authenticate } from "~/shopify.server";
import { redactCustomer } from "~/shops.server";
import { customerIdOf, firstDelivery } from "~/webhooks.server";

export async function action({ request }: ActionFunctionArgs) {
  const { shop, topic, payload } = await authenticate.webhook(request);
  if (!(await firstDelivery(request, shop, topic))) return new Response();

  const customerId = customerIdOf(payload);
  if (customerId === null) {
    logger.warn({ shop, topic }, "customers/redact without a customer id");
    return new Response();
  }
  const sessions = await redactCustomer(shop, customerId);
  logger.info({ shop, topic, sessions }, "customer data deleted");
  return new Response();
}
