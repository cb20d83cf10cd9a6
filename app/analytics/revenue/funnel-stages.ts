export const FUNNEL_STAGES = [
  "home",
  "collection",
  "product",
  "cart",
  "checkout",
] as const;

export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/**
 * SQL mapping a `path` column to its funnel stage, after Shopify's
 * storefront routes: /collections/<handle>, /products/<handle> (also nested
 * under a collection), /cart, and checkouts under /checkouts.
 */
export const STAGE_OF_PATH = `CASE
  WHEN path = '/' THEN 'home'
  WHEN path ~ '^/collections/[^/]+/products/' THEN 'product'
  WHEN path ~ '^/collections(/|$)' THEN 'collection'
  WHEN path ~ '^/products/' THEN 'product'
  WHEN path ~ '^/cart(/|$)' THEN 'cart'
  WHEN path ~ '^/checkouts?(/|$)' THEN 'checkout'
END`;
