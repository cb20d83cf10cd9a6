import type { AdminApiContext } from "@shopify/shopify-app-remix/server";
import { prisma } from "./db.server";
import { logger } from "./logger.server";

const SHOP_QUERY = `#graphql
  query StorelensShop {
    shop { name ianaTimezone currencyCode primaryDomain { url } }
    currentAppInstallation { id }
  }`;

const SET_INGEST_URL = `#graphql
  mutation StorelensIngestUrl($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      userErrors { field message }
    }
  }`;

interface ShopQueryData {
  shop: {
    name: string;
    ianaTimezone: string;
    currencyCode: string;
    primaryDomain: { url: string } | null;
  };
  currentAppInstallation: { id: string };
}

/**
 * Records an installation: shop details, the storefront origins allowed to
 * post events, and the ingest URL in an app-owned metafield, which the theme
 * app embed reads as `app.metafields.storelens.ingest_url`.
 */
export async function installShop(
  domain: string,
  admin: AdminApiContext,
  appUrl: string,
): Promise<void> {
  const response = await admin.graphql(SHOP_QUERY);
  const { data } = (await response.json()) as { data: ShopQueryData };
  const origins = new Set([`https://${domain}`]);
  if (data.shop.primaryDomain?.url) {
    origins.add(new URL(data.shop.primaryDomain.url).origin);
  }
  const fields = {
    name: data.shop.name,
    timezone: data.shop.ianaTimezone,
    currency: data.shop.currencyCode,
    storefrontOrigins: [...origins],
    uninstalledAt: null,
  };
  await prisma.shop.upsert({
    where: { domain },
    create: { domain, ...fields },
    update: { ...fields, installedAt: new Date() },
  });

  const metafield = await admin.graphql(SET_INGEST_URL, {
    variables: {
      metafields: [
        {
          ownerId: data.currentAppInstallation.id,
          namespace: "storelens",
          key: "ingest_url",
          type: "single_line_text_field",
          value: `${appUrl}/collect`,
        },
      ],
    },
  });
  const result = (await metafield.json()) as {
    data: { metafieldsSet: { userErrors: { message: string }[] } };
  };
  const errors = result.data.metafieldsSet.userErrors;
  if (errors.length > 0) {
    logger.error(
      { shop: domain, errors: errors.map((error) => error.message) },
      "could not store the ingest URL metafield",
    );
  }
  logger.info({ shop: domain }, "shop installed");
}

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
): Promise<number> {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  if (!shop) return 0;
  const sessions = await prisma.visitorSession.findMany({
    where: { shopId: shop.id, customerId },
    select: { id: true },
  });
  const ids = sessions.map((session) => session.id);
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
    prisma.pageView.deleteMany({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.visitorSession.deleteMany({
      where: { shopId: shop.id, id: { in: ids } },
    }),
  ]);
  return ids.length;
}

/** Counts what is stored about a customer, for a data request. */
export async function describeCustomerData(domain: string, customerId: string) {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  if (!shop) return { sessions: 0, pageViews: 0, events: 0 };
  const sessions = await prisma.visitorSession.findMany({
    where: { shopId: shop.id, customerId },
    select: { id: true },
  });
  const ids = sessions.map((session) => session.id);
  const [pageViews, events] = await Promise.all([
    prisma.pageView.count({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
    prisma.interactionEvent.count({
      where: { shopId: shop.id, sessionId: { in: ids } },
    }),
  ]);
  return { sessions: ids.length, pageViews, events };
}
