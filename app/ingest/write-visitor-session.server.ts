import type { ValidBatch } from "./batch-schema.server";
import { IngestError } from "./errors.server";
import type { QueryPart } from "./query-together.server";
import { classifyChannel, deviceFromUserAgent } from "./traffic-channel";
import type { AcceptedBatch, IngestShop } from "./write-batch.server";
import {
  byShopAndId,
  pageEventsOf,
  type PageEvent,
} from "./write-page-events.server";

interface Attribution {
  channel: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  landingPath: string | null;
  referrer: string | null;
}

const NO_ATTRIBUTION: Attribution = {
  channel: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  landingPath: null,
  referrer: null,
};

/** A batch's own source, and whether the visit takes its previous one's. */
export interface OwnAttribution {
  own: Attribution;
  inheritsPrevious: boolean;
}

/**
 * Decides the visit's source from the batch's landing data or, failing
 * that, its first page. `inheritsPrevious` is set for a shopper returning
 * from a payment provider, who keeps the channel of their previous session.
 */
export function ownAttribution(
  shop: IngestShop,
  batch: ValidBatch,
): OwnAttribution {
  const firstPage = [...batch.pages].sort(
    (a, b) => a.startedAt - b.startedAt,
  )[0];
  const landing =
    batch.landing ??
    (firstPage ? { path: firstPage.path, referrer: firstPage.referrer } : null);
  if (!landing) return { own: NO_ATTRIBUTION, inheritsPrevious: false };
  const ownHosts = shop.storefrontOrigins.map((origin) =>
    new URL(origin).hostname.toLowerCase(),
  );
  const decision = classifyChannel(landing, ownHosts);
  return {
    own: {
      channel: decision.channel,
      utmSource: batch.landing?.utmSource ?? null,
      utmMedium: batch.landing?.utmMedium ?? null,
      utmCampaign: batch.landing?.utmCampaign ?? null,
      landingPath: landing.path,
      referrer: landing.referrer || null,
    },
    inheritsPrevious: decision.inheritsPrevious,
  };
}

/** The channel and campaign that a visit passes on to the visitor's next one. */
type Inherited = Omit<Attribution, "landingPath" | "referrer">;

/** A visit a later batch may inherit from: its visitor, start and source. */
interface PreviousVisit extends Inherited {
  /** Shop id and visitor id, joined by a space. */
  visitorKey: string;
  sessionId: string;
  startedAt: Date;
}

/** A stored visit: its visitor, its clock estimate and what it passes on. */
export interface StoredVisit extends PreviousVisit {
  visitorId: string;
  clockOffsetMs: number | null;
  clockObservedAt: Date | null;
  /** A recording of the visit exists. */
  recorded: boolean;
}

/** Stored visits that a group's checks and upsert need, read in one query. */
export interface StoredVisits {
  /** The stored visits of the group's sessions, by shop id and session id. */
  visits: Map<string, StoredVisit>;
  /**
   * For each visit that inherits its source, the visitor's latest other
   * stored visit with a channel, by `inheritKey`.
   */
  previous: Map<string, PreviousVisit>;
}

/** A visit that may inherit the source of its visitor's previous one. */
export interface InheritingVisit {
  shopId: string;
  visitorId: string;
  sessionId: string;
}

const inheritKey = (visit: InheritingVisit) =>
  `${visit.shopId} ${visit.visitorId} ${visit.sessionId}`;

/**
 * Builds the read of the stored visits among `keys` and, for each of
 * `inheriting`, the visitor's latest other visit that has a channel.
 */
export function visitsRead(
  keys: { shopId: string; id: string }[],
  inheriting: InheritingVisit[],
): QueryPart<StoredVisits> {
  return {
    sql: `SELECT s."shopId", s.id AS "sessionId", s."visitorId",
                 (extract(epoch FROM s."startedAt") * 1000)::float8
                   AS "startedAtMs",
                 s.channel, s."utmSource", s."utmMedium", s."utmCampaign",
                 s."clockOffsetMs",
                 (extract(epoch FROM s."clockObservedAt") * 1000)::float8
                   AS "clockObservedAtMs",
                 EXISTS (SELECT 1 FROM "Recording" r
                         WHERE r."shopId" = s."shopId" AND r."sessionId" = s.id)
                   AS recorded,
                 NULL::uuid AS "forSessionId"
          FROM unnest($1::text[], $2::uuid[]) AS k(shop_id, id)
          JOIN "VisitorSession" s ON s."shopId" = k.shop_id AND s.id = k.id
          UNION ALL
          SELECT k.shop_id, prev.id, k.visitor_id,
                 (extract(epoch FROM prev."startedAt") * 1000)::float8,
                 prev.channel, prev."utmSource", prev."utmMedium",
                 prev."utmCampaign", NULL, NULL, false, k.session_id
          FROM unnest($3::text[], $4::uuid[], $5::uuid[])
            AS k(shop_id, visitor_id, session_id)
          CROSS JOIN LATERAL (
            SELECT id, "startedAt", channel, "utmSource", "utmMedium",
                   "utmCampaign"
            FROM "VisitorSession"
            WHERE "shopId" = k.shop_id AND "visitorId" = k.visitor_id
              AND id <> k.session_id AND channel IS NOT NULL
            ORDER BY "startedAt" DESC
            LIMIT 1
          ) prev`,
    params: [
      keys.map((key) => key.shopId),
      keys.map((key) => key.id),
      inheriting.map((visit) => visit.shopId),
      inheriting.map((visit) => visit.visitorId),
      inheriting.map((visit) => visit.sessionId),
    ],
    empty: keys.length === 0 && inheriting.length === 0,
    read: (rows) => storedVisitsOf(rows as unknown as VisitRow[]),
  };
}

/** A row of `visitsRead`, with its times as epoch milliseconds. */
interface VisitRow {
  shopId: string;
  sessionId: string;
  visitorId: string;
  startedAtMs: number;
  channel: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  clockOffsetMs: number | null;
  clockObservedAtMs: number | null;
  recorded: boolean;
  forSessionId: string | null;
}

function storedVisitsOf(rows: VisitRow[]): StoredVisits {
  const stored: StoredVisits = { visits: new Map(), previous: new Map() };
  for (const row of rows) {
    const { shopId, sessionId, visitorId, channel } = row;
    const { utmSource, utmMedium, utmCampaign } = row;
    const inherited = {
      visitorKey: `${shopId} ${visitorId}`,
      sessionId,
      startedAt: new Date(row.startedAtMs),
      channel,
      utmSource,
      utmMedium,
      utmCampaign,
    };
    if (row.forSessionId === null) {
      stored.visits.set(`${shopId} ${sessionId}`, {
        ...inherited,
        visitorId,
        clockOffsetMs: row.clockOffsetMs,
        clockObservedAt:
          row.clockObservedAtMs === null
            ? null
            : new Date(row.clockObservedAtMs),
        recorded: row.recorded,
      });
    } else {
      stored.previous.set(
        inheritKey({ shopId, visitorId, sessionId: row.forSessionId }),
        inherited,
      );
    }
  }
  return stored;
}

/**
 * Decides each batch's attribution. A batch inherits from the visitor's
 * latest other visit that has a channel, stored or written by an earlier
 * batch of the group, as if the batches were written one by one.
 */
function attributions(
  accepted: AcceptedBatch[],
  stored: StoredVisits,
): Attribution[] {
  const decided = accepted.map((item) => item.attribution);
  if (!decided.some((decision) => decision.inheritsPrevious)) {
    return decided.map((decision) => decision.own);
  }
  // Each visit of the group's visitors as the batches so far leave it.
  const visits = new Map<string, PreviousVisit>();
  return accepted.map((item, index) => {
    const { batch } = item;
    let attribution = decided[index].own;
    if (decided[index].inheritsPrevious) {
      const candidates = [...visits.values()].filter(
        (visit) =>
          visit.visitorKey === `${item.shop.id} ${batch.visitorId}` &&
          visit.sessionId !== batch.sessionId &&
          visit.channel !== null,
      );
      const fromStore = stored.previous.get(
        inheritKey({
          shopId: item.shop.id,
          visitorId: batch.visitorId,
          sessionId: batch.sessionId,
        }),
      );
      if (fromStore) candidates.push(fromStore);
      const latest = candidates.reduce<PreviousVisit | undefined>(
        (best, visit) =>
          !best || visit.startedAt > best.startedAt ? visit : best,
        undefined,
      );
      if (latest) {
        attribution = {
          ...attribution,
          channel: latest.channel,
          utmSource: latest.utmSource,
          utmMedium: latest.utmMedium,
          utmCampaign: latest.utmCampaign,
        };
      }
    }
    // The upsert keeps the earliest start and the first source of a visit.
    const sessionKey = `${item.shop.id} ${batch.sessionId}`;
    const known = visits.get(sessionKey) ?? stored.visits.get(sessionKey);
    const startedAt = item.corrected(Math.min(...timesOf(batch)));
    visits.set(sessionKey, {
      visitorKey: `${item.shop.id} ${batch.visitorId}`,
      sessionId: batch.sessionId,
      startedAt:
        known && known.startedAt < startedAt ? known.startedAt : startedAt,
      channel: known?.channel ?? attribution.channel,
      utmSource: known?.utmSource ?? attribution.utmSource,
      utmMedium: known?.utmMedium ?? attribution.utmMedium,
      utmCampaign: known?.utmCampaign ?? attribution.utmCampaign,
    });
    return attribution;
  });
}

/** Lists the client times of a batch's page views and events. */
function timesOf(batch: ValidBatch): number[] {
  return [
    ...batch.pages.map((page) => page.startedAt),
    ...batch.events.map((event) => event.at),
  ];
}

/** A visit's columns as one batch would write them, before merging. */
interface SessionRow extends Attribution {
  shopId: string;
  id: string;
  visitorId: string;
  startedAt: Date;
  lastSeenAt: Date;
  device: string;
  /** The device came from the storefront script's viewport. */
  fromViewport: boolean;
  userAgent: string | null;
  isBot: boolean;
  clientId: string | null;
  clockOffsetMs: number;
  clockObservedAt: Date;
}

const FIRST_WINS = [
  "clientId",
  "landingPath",
  "referrer",
  "channel",
  "utmSource",
  "utmMedium",
  "utmCampaign",
] as const;

/**
 * Folds a later batch of the same visit into `row` the way the upsert
 * below folds it into the stored row, so that one statement can write
 * several batches of a visit.
 */
function mergeSession(row: SessionRow, later: SessionRow) {
  if (later.startedAt < row.startedAt) row.startedAt = later.startedAt;
  if (later.lastSeenAt > row.lastSeenAt) row.lastSeenAt = later.lastSeenAt;
  row.isBot ||= later.isBot;
  // Each batch's estimate already folds in the batches before it.
  row.clockOffsetMs = later.clockOffsetMs;
  row.clockObservedAt = later.clockObservedAt;
  if (later.fromViewport) {
    row.device = later.device;
    row.fromViewport = true;
  }
  for (const column of FIRST_WINS) row[column] ??= later[column];
}

/**
 * Builds the upsert that inserts or extends the group's visits. The first
 * batch that carries the source sets it, and later ones never replace it.
 * The device comes from the storefront script's viewport when it has one,
 * else from the user agent. The checks must already have found each
 * session free or its batch's visitor's. A row that a concurrent writer
 * gave to another visitor makes the part's read throw `SessionTakenError`,
 * and the caller writes the batches one by one.
 */
export function visitorSessionsUpsert(
  accepted: AcceptedBatch[],
  stored: StoredVisits,
): QueryPart<void> {
  const sources = attributions(accepted, stored);
  const byKey = new Map<string, SessionRow>();
  accepted.forEach((item, index) => {
    const { batch } = item;
    const times = timesOf(batch);
    const firstPage = [...batch.pages].sort(
      (a, b) => a.startedAt - b.startedAt,
    )[0];
    const viewportDevice =
      firstPage?.device ?? deviceOfClicks(pageEventsOf(batch));
    const row: SessionRow = {
      ...sources[index],
      shopId: item.shop.id,
      id: batch.sessionId,
      visitorId: batch.visitorId,
      startedAt: item.corrected(Math.min(...times)),
      lastSeenAt: item.corrected(Math.max(...times)),
      device: viewportDevice ?? deviceFromUserAgent(item.userAgent),
      fromViewport: viewportDevice !== null,
      userAgent: item.userAgent?.slice(0, 512) ?? null,
      isBot: item.isBot,
      clientId: batch.clientId ?? null,
      clockOffsetMs: item.clock.offsetMs,
      clockObservedAt: new Date(item.clock.observedAt),
    };
    const key = `${row.shopId} ${row.id}`;
    const earlier = byKey.get(key);
    if (earlier) mergeSession(earlier, row);
    else byKey.set(key, row);
  });
  const rows = byShopAndId([...byKey.values()], (row) => [row.shopId, row.id]);
  const column = <K extends keyof SessionRow>(name: K) =>
    rows.map((row) => row[name]);
  // A device from a viewport replaces the stored one, a device from the
  // user agent does not. ON CONFLICT can read only the table's columns, so the
  // flag is looked up by the row's key.
  return {
    sql: `INSERT INTO "VisitorSession" AS stored
            ("shopId", id, "visitorId", "startedAt", "lastSeenAt", device,
             "userAgent", "isBot", "landingPath", referrer, "clientId",
             channel, "utmSource", "utmMedium", "utmCampaign",
             "clockOffsetMs", "clockObservedAt")
          SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[],
                               $4::timestamptz[], $5::timestamptz[],
                               $6::text[], $7::text[], $8::bool[],
                               $9::text[], $10::text[], $11::text[],
                               $12::text[], $13::text[], $14::text[],
                               $15::text[], $17::float8[],
                               $18::timestamptz[])
          ON CONFLICT ("shopId", id) DO UPDATE SET
            "startedAt" = LEAST(stored."startedAt", EXCLUDED."startedAt"),
            "lastSeenAt" = GREATEST(stored."lastSeenAt", EXCLUDED."lastSeenAt"),
            "isBot" = stored."isBot" OR EXCLUDED."isBot",
            device = CASE WHEN (
                       SELECT f.from_viewport
                       FROM unnest($1::text[], $2::uuid[], $16::bool[])
                         AS f(shop_id, id, from_viewport)
                       WHERE f.shop_id = EXCLUDED."shopId"
                         AND f.id = EXCLUDED.id)
                     THEN EXCLUDED.device ELSE stored.device END,
            "clientId" = COALESCE(stored."clientId", EXCLUDED."clientId"),
            "landingPath" = COALESCE(stored."landingPath",
                                     EXCLUDED."landingPath"),
            referrer = COALESCE(stored.referrer, EXCLUDED.referrer),
            channel = COALESCE(stored.channel, EXCLUDED.channel),
            "utmSource" = COALESCE(stored."utmSource", EXCLUDED."utmSource"),
            "utmMedium" = COALESCE(stored."utmMedium", EXCLUDED."utmMedium"),
            "utmCampaign" = COALESCE(stored."utmCampaign",
                                     EXCLUDED."utmCampaign"),
            "clockOffsetMs" = EXCLUDED."clockOffsetMs",
            "clockObservedAt" = EXCLUDED."clockObservedAt"
          WHERE stored."visitorId" = EXCLUDED."visitorId"
          RETURNING id`,
    params: [
      column("shopId"),
      column("id"),
      column("visitorId"),
      column("startedAt"),
      column("lastSeenAt"),
      column("device"),
      column("userAgent"),
      column("isBot"),
      column("landingPath"),
      column("referrer"),
      column("clientId"),
      column("channel"),
      column("utmSource"),
      column("utmMedium"),
      column("utmCampaign"),
      column("fromViewport"),
      column("clockOffsetMs"),
      column("clockObservedAt"),
    ],
    empty: rows.length === 0,
    read: (written) => {
      if (written.length !== rows.length) throw new SessionTakenError();
    },
  };
}

/** A visit of the group belongs to another visitor by the time it is written. */
export class SessionTakenError extends Error {
  constructor() {
    super("a session of the group was taken by another visitor meanwhile");
    this.name = "SessionTakenError";
  }
}

/** Builds the 409 for a batch that names another visitor's session. */
export function sessionOfAnotherVisitor(): IngestError {
  return new IngestError(
    409,
    "session_of_another_visitor",
    "sessionId belongs to another visitor: session ids are unique per browser",
    "sessionId",
  );
}

function deviceOfClicks(events: PageEvent[]): string | null {
  const click = events.find((event) => event.type === "click");
  if (!click || click.type !== "click") return null;
  if (click.viewportWidth < 768) return "mobile";
  return click.viewportWidth < 1024 ? "tablet" : "desktop";
}
