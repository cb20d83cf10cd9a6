import { removeVisitsFromHeatmaps } from "./analytics/heatmap-redaction.server";
import { pool, prisma } from "./db.server";
import { withTransaction } from "./transaction.server";

/** Tables of a visit's captured data, deleted with the visit, page views last. */
const VISIT_TABLES = [
  "InteractionEvent",
  "StorefrontEvent",
  "FrictionSignal",
  "ExcludedFrictionSignal",
  "ExperimentExposure",
  "PageView",
] as const;

/** Stops ingest for the shop and drops its Shopify sessions; data stays until shop/redact. */
export async function markUninstalled(domain: string): Promise<void> {
  await prisma.$transaction([
    prisma.session.deleteMany({ where: { shop: domain } }),
    prisma.shop.updateMany({
      where: { domain },
      data: { uninstalledAt: new Date() },
    }),
  ]);
}

/** Deletes every row of the shop; cascades to all captured data. */
export async function redactShop(domain: string): Promise<number> {
  const [, deleted] = await prisma.$transaction([
    prisma.session.deleteMany({ where: { shop: domain } }),
    prisma.shop.deleteMany({ where: { domain } }),
  ]);
  return deleted.count;
}

/**
 * Deletes the visits linked to a customer and everything captured in them.
 * Returns the number of visits removed.
 */
export async function redactCustomer(
  domain: string,
  customerId: string,
  orderIds: string[] = [],
): Promise<number> {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  if (!shop) return 0;
  const ids = await customerSessionIds(shop.id, customerId, orderIds);
  // The orders stay (they are the shop's records) but lose the customer.
  await prisma.order.updateMany({
    where: {
      shopId: shop.id,
      OR: [{ customerId }, { id: { in: orderIds } }],
    },
    data: { customerId: null, sessionId: null },
  });
  if (ids.length === 0) return 0;
  await withTransaction(pool, async (client) => {
    const scope = [shop.id, ids];
    await removeVisitsFromHeatmaps(client, shop.id, ids);
    // A snapshot taken during one of the customer's visits may show their
    // name or cart, so it goes too.
    await client.query(
      `DELETE FROM "PageSnapshot" p USING "PageView" v
       WHERE p."shopId" = $1 AND v."shopId" = $1
         AND v."sessionId" = ANY($2::uuid[]) AND p."pageViewId" = v.id`,
      scope,
    );
    for (const table of VISIT_TABLES) {
      await client.query(
        `DELETE FROM "${table}"
         WHERE "shopId" = $1 AND "sessionId" = ANY($2::uuid[])`,
        scope,
      );
    }
    await client.query(
      `DELETE FROM "VisitorSession" WHERE "shopId" = $1 AND id = ANY($2::uuid[])`,
      scope,
    );
  });
  return ids.length;
}

/**
 * Visits linked to a customer: those a checkout tagged with the customer
 * id, and those whose orders belong to the customer or are listed in the
 * request.
 */
async function customerSessionIds(
  shopId: string,
  customerId: string,
  orderIds: string[],
): Promise<string[]> {
  const [tagged, ordered] = await Promise.all([
    prisma.visitorSession.findMany({
      where: { shopId, customerId },
      select: { id: true },
    }),
    prisma.order.findMany({
      where: {
        shopId,
        sessionId: { not: null },
        OR: [{ customerId }, { id: { in: orderIds } }],
      },
      select: { sessionId: true },
    }),
  ]);
  return [
    ...new Set([
      ...tagged.map((session) => session.id),
      ...ordered.map((order) => order.sessionId!),
    ]),
  ];
}

/** Counts what is stored about a customer, for a data request. */
export async function describeCustomerData(domain: string, customerId: string) {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  if (!shop) return { sessions: 0, pageViews: 0, events: 0, pixelEvents: 0 };
  const ids = await customerSessionIds(shop.id, customerId, []);
  const [pageViews, events, pixelEvents] = await Promise.all([
    prisma.pageView.count({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.interactionEvent.count({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.storefrontEvent.count({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
  ]);
  return { sessions: ids.length, pageViews, events, pixelEvents };
}
