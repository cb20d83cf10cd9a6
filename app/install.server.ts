import type { AdminApiContext } from "@shopify/shopify-app-remix/server";
import { prisma } from "./db.server";
import { recordShopEmail } from "./alerts/settings.server";
import { logger } from "./logger.server";
import { startBackfill } from "./orders/backfill.server";

const SHOP_QUERY = `#graphql
  query StorelensShop {
    shop {
      name email ianaTimezone currencyCode
      primaryDomain { url }
      domains { url }
    }
    currentAppInstallation { id }
  }`;

const SET_INGEST_URL = `#graphql
  mutation StorelensIngestUrl($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      userErrors { field message }
    }
  }`;

const CREATE_PIXEL = `#graphql
  mutation StorelensPixelCreate($settings: JSON!) {
    webPixelCreate(webPixel: { settings: $settings }) {
      userErrors { code field message }
      webPixel { id }
    }
  }`;

const FIND_PIXEL = `#graphql
  query StorelensPixel { webPixel { id } }`;

const UPDATE_PIXEL = `#graphql
  mutation StorelensPixelUpdate($id: ID!, $settings: JSON!) {
    webPixelUpdate(id: $id, webPixel: { settings: $settings }) {
      userErrors { code field message }
    }
  }`;

interface UserErrors {
  userErrors: { code?: string; message: string }[];
}

interface ShopQueryData {
  shop: {
    name: string;
    /** The address Shopify uses to contact the merchant. */
    email?: string | null;
    ianaTimezone: string;
    currencyCode: string;
    primaryDomain: { url: string } | null;
    domains?: { url: string }[];
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
  // Every domain of the shop, market domains included: the storefront
  // script posts from whichever one the shopper is on.
  for (const domain of [
    data.shop.primaryDomain,
    ...(data.shop.domains ?? []),
  ]) {
    if (domain?.url) origins.add(new URL(domain.url).origin);
  }
  const fields = {
    name: data.shop.name,
    timezone: data.shop.ianaTimezone,
    currency: data.shop.currencyCode,
    storefrontOrigins: [...origins],
    uninstalledAt: null,
  };
  const previous = await prisma.shop.findUnique({ where: { domain } });
  const shop = await prisma.shop.upsert({
    where: { domain },
    create: { domain, ...fields },
    update: { ...fields, installedAt: new Date() },
  });
  await recordShopEmail(shop.id, data.shop.email);

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
  if (previous && previous.timezone !== shop.timezone) {
    await rebuildRollupInTimeZone(shop.id);
  }
  await connectWebPixel(domain, admin, `${appUrl}/collect`);
  // Revenue reports need the recent past, not only orders from now on.
  await startBackfill(shop);
  logger.info({ shop: domain }, "shop installed");
}

/**
 * Marks every day of the shop for a rebuild after its time zone changed:
 * the rollup's days are shop-local, so all of them move.
 */
async function rebuildRollupInTimeZone(shopId: string): Promise<void> {
  await prisma.$transaction([
    prisma.dailyRevenueStat.deleteMany({ where: { shopId } }),
    prisma.$executeRaw`
      INSERT INTO "RevenueRollupDay" ("shopId", day)
      SELECT DISTINCT v."shopId",
             (v."startedAt" AT TIME ZONE 'UTC' AT TIME ZONE s.timezone)::date
      FROM "VisitorSession" v JOIN "Shop" s ON s.id = v."shopId"
      WHERE v."shopId" = ${shopId}`,
  ]);
}

/**
 * Creates the app's web pixel with the ingest URL in its settings, or
 * updates it when a previous installation already created one (Shopify
 * allows one pixel per app and shop and returns the error code TAKEN).
 */
async function connectWebPixel(
  domain: string,
  admin: AdminApiContext,
  ingestUrl: string,
): Promise<void> {
  const settings = JSON.stringify({ ingestUrl });
  const created = (await (
    await admin.graphql(CREATE_PIXEL, { variables: { settings } })
  ).json()) as { data: { webPixelCreate: UserErrors } };
  const errors = created.data.webPixelCreate.userErrors;
  if (errors.length === 0) return;
  if (!errors.some((error) => error.code === "TAKEN")) {
    logger.error(
      { shop: domain, errors: errors.map((error) => error.message) },
      "could not create the web pixel",
    );
    return;
  }
  const found = (await (await admin.graphql(FIND_PIXEL)).json()) as {
    data: { webPixel: { id: string } };
  };
  const updated = (await (
    await admin.graphql(UPDATE_PIXEL, {
      variables: { id: found.data.webPixel.id, settings },
    })
  ).json()) as { data: { webPixelUpdate: UserErrors } };
  const updateErrors = updated.data.webPixelUpdate.userErrors;
  if (updateErrors.length > 0) {
    logger.error(
      { shop: domain, errors: updateErrors.map((error) => error.message) },
      "could not update the web pixel",
    );
  }
}
