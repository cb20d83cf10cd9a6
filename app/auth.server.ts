import type { Shop } from "@prisma/client";
import type { AdminApiContext } from "@shopify/shopify-app-remix/server";
import { prisma } from "./db.server";
import { DEMO_SHOP_DOMAIN, isDemoMode } from "./demo.server";
import { authenticate } from "./shopify.server";
import { installShop } from "./install.server";
import { env } from "./env.server";

export interface AdminContext {
  shop: Shop;
  /** Admin API client; null in demo mode, where Shopify is not reachable. */
  admin: AdminApiContext | null;
}

/**
 * Authenticates an admin request and returns the shop it may read. Every
 * admin loader and action starts here: the shop comes from the verified
 * session token, never from the request's body or query string.
 */
export async function requireAdmin(request: Request): Promise<AdminContext> {
  if (isDemoMode()) {
    const shop = await prisma.shop.findUnique({
      where: { domain: DEMO_SHOP_DOMAIN },
    });
    if (!shop) {
      throw new Response("The demo shop is missing: run npm run demo", {
        status: 500,
      });
    }
    return { shop, admin: null };
  }

  const { session, admin } = await authenticate.admin(request);
  let shop = await prisma.shop.findUnique({ where: { domain: session.shop } });
  if (!shop || shop.uninstalledAt) {
    await installShop(session.shop, admin, env().SHOPIFY_APP_URL);
    shop = await prisma.shop.findUniqueOrThrow({
      where: { domain: session.shop },
    });
  }
  return { shop, admin };
}
