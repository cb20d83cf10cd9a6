import { BodyTooLargeError, withCappedBody } from "./capped-body.server";
import { logger } from "./logger.server";
import { authenticate } from "./shopify.server";

/** Largest webhook body read; Shopify's order payloads stay far below it. */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

/**
 * Verifies a webhook like `authenticate.webhook`, after two checks the
 * library does not make. A body over MAX_WEBHOOK_BYTES, declared or
 * chunked, gets 413 as soon as the cap is passed, because the library would
 * buffer any body whole before its HMAC check. A correctly signed body that
 * is not JSON gets 400 instead of a 500 that Shopify would retry for two
 * days.
 */
export async function authenticateWebhook(request: Request) {
  let bounded: Request;
  try {
    bounded = await withCappedBody(request, MAX_WEBHOOK_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    logger.warn(
      {
        topic: request.headers.get("x-shopify-topic"),
        shop: request.headers.get("x-shopify-shop-domain"),
        maxBytes: MAX_WEBHOOK_BYTES,
      },
      "webhook rejected: body too large",
    );
    throw new Response(
      `Webhook body exceeds ${MAX_WEBHOOK_BYTES} bytes and was not read`,
      // The rest of the body stays unread, so the connection cannot be reused.
      { status: 413, headers: { Connection: "close" } },
    );
  }
  try {
    return await authenticate.webhook(bounded);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new Response("Webhook body is not valid JSON", { status: 400 });
    }
    throw error;
  }
}
