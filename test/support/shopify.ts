import { createHmac, randomUUID } from "node:crypto";
import { prisma } from "~/db.server";

// Requests signed the way Shopify signs them, with the test app's secret.

const apiKey = () => process.env.SHOPIFY_API_KEY!;
const apiSecret = () => process.env.SHOPIFY_API_SECRET!;

function base64Url(input: string | Buffer): string {
  return Buffer.from(input).toString("base64url");
}

/** Signs an App Bridge session token (HS256 JWT) for a shop's admin user. */
export function sessionToken(shop: string, secret = apiSecret()): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64Url(
    JSON.stringify({
      iss: `https://${shop}/admin`,
      dest: `https://${shop}`,
      aud: apiKey(),
      sub: "42",
      exp: now + 60,
      nbf: now - 5,
      iat: now - 5,
      jti: randomUUID(),
      sid: randomUUID(),
    }),
  );
  const signature = createHmac("sha256", secret)
    .update(`${header}.${payload}`)
    .digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/** Builds an admin request as App Bridge sends it from inside Shopify Admin. */
export function adminRequest(shop: string, path: string): Request {
  return new Request(`${process.env.SHOPIFY_APP_URL}${path}`, {
    headers: { Authorization: `Bearer ${sessionToken(shop)}` },
  });
}

/** Stores the offline session that installing the app would have created. */
export async function storeOfflineSession(shop: string): Promise<void> {
  await prisma.session.upsert({
    where: { id: `offline_${shop}` },
    create: {
      id: `offline_${shop}`,
      shop,
      state: "installed",
      isOnline: false,
      scope: process.env.SCOPES,
      accessToken: `shpat_${randomUUID().replaceAll("-", "")}`,
    },
    update: {},
  });
}

/**
 * Builds a webhook delivery with Shopify's HMAC-SHA256 signature of the raw
 * body: `body` as JSON, or `raw` as it is when given.
 */
export function webhookRequest(options: {
  topic: string;
  shop: string;
  body: unknown;
  raw?: string;
  webhookId?: string;
  secret?: string;
}): Request {
  const raw = options.raw ?? JSON.stringify(options.body);
  const hmac = createHmac("sha256", options.secret ?? apiSecret())
    .update(raw, "utf8")
    .digest("base64");
  const path = options.topic.toLowerCase();
  return new Request(`${process.env.SHOPIFY_APP_URL}/webhooks/${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": hmac,
      "X-Shopify-Topic": options.topic,
      "X-Shopify-Shop-Domain": options.shop,
      "X-Shopify-API-Version": "2025-10",
      "X-Shopify-Webhook-Id": options.webhookId ?? randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
    body: raw,
  });
}
