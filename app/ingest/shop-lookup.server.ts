import type pg from "pg";
import { IngestError } from "./errors.server";

export interface ShopForIngest {
  id: string;
  domain: string;
  timezone: string;
  storefrontOrigins: string[];
}

/** Loads an installed shop by domain; unknown and uninstalled shops get 403. */
export async function findShopForIngest(
  pool: pg.Pool,
  domain: string,
): Promise<ShopForIngest> {
  const result = await pool.query<
    ShopForIngest & { uninstalledAt: Date | null }
  >(
    `SELECT id, domain, timezone, "storefrontOrigins", "uninstalledAt"
     FROM "Shop" WHERE domain = $1`,
    [domain],
  );
  return checkedShop(domain, result.rows[0]);
}

/**
 * Returns the shop row of `domain` if it may send events; unknown and
 * uninstalled shops get 403.
 */
export function checkedShop<T extends ShopForIngest>(
  domain: string,
  shop: (T & { uninstalledAt: Date | null }) | undefined,
): T {
  if (!shop) {
    throw new IngestError(
      403,
      "unknown_shop",
      `shop ${domain} has not installed Storelens: check the embed's data-shop attribute`,
      "shop",
    );
  }
  if (shop.uninstalledAt) {
    throw new IngestError(
      403,
      "shop_uninstalled",
      `shop ${domain} has uninstalled Storelens: events are no longer accepted`,
      "shop",
    );
  }
  return shop;
}
