import { prisma } from "./db.server";

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
  const pageViews = await prisma.pageView.findMany({
    where: { shopId: shop.id, sessionId: { in: ids } },
    select: { id: true },
  });
  await prisma.$transaction([
    // A snapshot taken during one of the customer's visits may show their
    // name or cart, so it goes too.
    prisma.pageSnapshot.deleteMany({
      where: {
        shopId: shop.id,
        pageViewId: { in: pageViews.map((view) => view.id) },
      },
    }),
    prisma.interactionEvent.deleteMany({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.storefrontEvent.deleteMany({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.frictionSignal.deleteMany({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.experimentExposure.deleteMany({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.pageView.deleteMany({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.visitorSession.deleteMany({
      where: { shopId: shop.id, id: { in: ids } },
    }),
  ]);
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
