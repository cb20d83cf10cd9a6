import type { ActionFunctionArgs } from "@remix-run/node";
import { logger } from "~/logger.server";
import { authenticateWebhook } from "~/webhook-auth.server";
import { describeCustomerData } from "~/shops.server";
import {
  alreadyProcessed,
  customerIdOf,
  recordDelivery,
} from "~/webhooks.server";

// Shopify requests what the app stores about a customer; the merchant then sends
// it to the customer. Storelens stores visits linked to a customer id only.
export async function action({ request }: ActionFunctionArgs) {
  const { shop, topic, payload } = await authenticateWebhook(request);
  if (await alreadyProcessed(request, shop, topic)) return new Response();

  const customerId = customerIdOf(payload);
  const stored = customerId
    ? await describeCustomerData(shop, customerId)
    : { sessions: 0, pageViews: 0, events: 0, pixelEvents: 0 };
  logger.info({ shop, topic, ...stored }, "customer data request");
  await recordDelivery(request, shop, topic);
  return new Response();
}
