import { authenticate } from "./shopify.server";

/** Largest webhook body read; Shopify's order payloads stay far below it. */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

/**
 * Verifies a webhook like `authenticate.webhook`, after two checks the
 * library does not make: a declared body over MAX_WEBHOOK_BYTES gets 413
 * before anything is read, and a correctly signed body that is not JSON
 * gets 400 instead of a 500 that Shopify would retry for two days.
 */
// NOTE: a chunked body declares no length, so the library still reads it
// whole. The size cap for those has to come from the proxy in front.
export async function authenticateWebhook(request: Request) {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_WEBHOOK_BYTES) {
    throw new Response("Webhook body too large", {
      status: 413,
      headers: { Connection: "close" },
    });
  }
  try {
    return await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new Response("Webhook body is not valid JSON", { status: 400 });
    }
    throw error;
  }
}
