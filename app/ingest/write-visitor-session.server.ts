import type pg from "pg";
import type { ValidBatch } from "./batch-schema.server";
import { IngestError } from "./errors.server";
import { classifyChannel, deviceFromUserAgent } from "./traffic-channel";
import type { IngestShop } from "./write-batch.server";
import type { PageEvent } from "./write-page-events.server";

interface SessionContext {
  userAgent: string | null;
  isBot: boolean;
}

interface Attribution {
  channel: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  landingPath: string | null;
  referrer: string | null;
}

/**
 * The visit's source, from the batch's landing data or, failing that, its
 * first page. A shopper returning from a payment provider keeps the
 * channel of their previous session.
 */
async function attribution(
  client: pg.PoolClient,
  shop: IngestShop,
  batch: ValidBatch,
): Promise<Attribution> {
  const firstPage = [...batch.pages].sort(
    (a, b) => a.startedAt - b.startedAt,
  )[0];
  const landing =
    batch.landing ??
    (firstPage ? { path: firstPage.path, referrer: firstPage.referrer } : null);
  if (!landing) {
    return {
      channel: null,
      utmSource: null,
      utmMedium: null,
      utmCampaign: null,
      landingPath: null,
      referrer: null,
    };
  }
  const ownHosts = shop.storefrontOrigins.map((origin) =>
    new URL(origin).hostname.toLowerCase(),
  );
  const decision = classifyChannel(landing, ownHosts);
  const own: Attribution = {
    channel: decision.channel,
    utmSource: batch.landing?.utmSource ?? null,
    utmMedium: batch.landing?.utmMedium ?? null,
    utmCampaign: batch.landing?.utmCampaign ?? null,
    landingPath: landing.path,
    referrer: landing.referrer || null,
  };
  if (!decision.inheritsPrevious) return own;

  const previous = await client.query<Attribution>(
    `SELECT channel, "utmSource", "utmMedium", "utmCampaign"
     FROM "VisitorSession"
     WHERE "shopId" = $1 AND "visitorId" = $2 AND id <> $3
       AND channel IS NOT NULL
     ORDER BY "startedAt" DESC
     LIMIT 1`,
    [shop.id, batch.visitorId, batch.sessionId],
  );
  const inherited = previous.rows[0];
  return inherited
    ? {
        ...own,
        ...inherited,
        landingPath: own.landingPath,
        referrer: own.referrer,
      }
    : own;
}

/**
 * Inserts or extends the visit. The first batch that carries the source sets
 * it and later ones never replace it; the device comes from the storefront
 * script's viewport when it has one, else from the user agent.
 */
export async function upsertVisitorSession(
  client: pg.PoolClient,
  shop: IngestShop,
  batch: ValidBatch,
  pageEvents: PageEvent[],
  corrected: (at: number) => Date,
  context: SessionContext,
) {
  const times = [
    ...batch.pages.map((page) => page.startedAt),
    ...batch.events.map((event) => event.at),
  ];
  const first = corrected(Math.min(...times));
  const last = corrected(Math.max(...times));
  const firstPage = [...batch.pages].sort(
    (a, b) => a.startedAt - b.startedAt,
  )[0];
  const viewportDevice = firstPage?.device ?? deviceOfClicks(pageEvents);
  const device = viewportDevice ?? deviceFromUserAgent(context.userAgent);
  const source = await attribution(client, shop, batch);

  const written = await client.query(
    `INSERT INTO "VisitorSession"
       ("shopId", id, "visitorId", "startedAt", "lastSeenAt", device,
        "userAgent", "isBot", "landingPath", referrer, "clientId", channel,
        "utmSource", "utmMedium", "utmCampaign")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT ("shopId", id) DO UPDATE SET
       "startedAt" = LEAST("VisitorSession"."startedAt", EXCLUDED."startedAt"),
       "lastSeenAt" = GREATEST("VisitorSession"."lastSeenAt", EXCLUDED."lastSeenAt"),
       "isBot" = "VisitorSession"."isBot" OR EXCLUDED."isBot",
       device = CASE WHEN $16 THEN EXCLUDED.device
                     ELSE "VisitorSession".device END,
       "clientId" = COALESCE("VisitorSession"."clientId", EXCLUDED."clientId"),
       "landingPath" = COALESCE("VisitorSession"."landingPath", EXCLUDED."landingPath"),
       referrer = COALESCE("VisitorSession".referrer, EXCLUDED.referrer),
       channel = COALESCE("VisitorSession".channel, EXCLUDED.channel),
       "utmSource" = COALESCE("VisitorSession"."utmSource", EXCLUDED."utmSource"),
       "utmMedium" = COALESCE("VisitorSession"."utmMedium", EXCLUDED."utmMedium"),
       "utmCampaign" = COALESCE("VisitorSession"."utmCampaign", EXCLUDED."utmCampaign")
     WHERE "VisitorSession"."visitorId" = EXCLUDED."visitorId"
     RETURNING id`,
    [
      shop.id,
      batch.sessionId,
      batch.visitorId,
      first,
      last,
      device,
      context.userAgent?.slice(0, 512) ?? null,
      context.isBot,
      source.landingPath,
      source.referrer,
      batch.clientId ?? null,
      source.channel,
      source.utmSource,
      source.utmMedium,
      source.utmCampaign,
      viewportDevice !== null,
    ],
  );
  // A visit belongs to one browser: a batch naming another visitor's
  // session may not flag it as a bot or move its start.
  if (written.rowCount === 0) {
    throw new IngestError(
      409,
      "session_of_another_visitor",
      "sessionId belongs to another visitor: session ids are unique per browser",
      "sessionId",
    );
  }
}

function deviceOfClicks(events: PageEvent[]): string | null {
  const click = events.find((event) => event.type === "click");
  if (!click || click.type !== "click") return null;
  if (click.viewportWidth < 768) return "mobile";
  return click.viewportWidth < 1024 ? "tablet" : "desktop";
}
