import { env } from "~/env.server";

/**
 * Builds the absolute URL of an in-app path, for emails. Demo mode serves
 * the admin directly. Otherwise the link opens the embedded app in the
 * Shopify admin, which passes the path on to the app.
 */
export function appUrl(shopDomain: string, path: string): string {
  const { STORELENS_DEMO, SHOPIFY_APP_URL, SHOPIFY_API_KEY } = env();
  if (STORELENS_DEMO) return `${SHOPIFY_APP_URL}${path}`;
  const store = shopDomain.replace(/\.myshopify\.com$/, "");
  // NOTE: the admin.shopify.com/store/STORE/apps/CLIENT_ID/PATH form is
  // Shopify's documented deep link; it was not checked against a live store.
  return `https://admin.shopify.com/store/${store}/apps/${SHOPIFY_API_KEY}${path}`;
}
