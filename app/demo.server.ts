import { env } from "./env.server";

/**
 * Demo mode serves the admin without a Shopify login, for the local demo
 * only. `parseEnv` rejects it when NODE_ENV=production, and the server binds
 * to 127.0.0.1 when it is on.
 */
export function isDemoMode(): boolean {
  return env().STORELENS_DEMO;
}

export const DEMO_SHOP_DOMAIN = "storelens-demo.myshopify.com";
