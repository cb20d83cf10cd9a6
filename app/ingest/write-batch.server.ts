import type pg from "pg";
import { withTransaction } from "../transaction.server";
import {
  clockCorrection,
  observeClock,
  storedClock,
  type ClockEstimate,
} from "./clock-offset.server";
import type { ValidBatch } from "./batch-schema.server";
import { assertAllowedOrigin } from "./cors.server";
import { IngestError } from "./errors.server";
import { checkedShop, type ShopForIngest } from "./shop-lookup.server";
import {
  PageTakenError,
  claimSnapshots,
  deepestScrolls,
  insertEvents,
  assertRacedPageViewsOwn,
  pageViewsInsert,
  pageIdsOf,
  scrollDepthUpdate,
  knownPagesRead,
  resolvePages,
  slotLookupsOf,
  snapshotSlotsRead,
  type SlotLookup,
  type KnownPage,
  type PageRow,
} from "./write-page-events.server";
import { queryTogether } from "./query-together.server";
import { insertExposures } from "./write-exposures.server";
import {
  linkCheckoutOrders,
  shopifyEventsInsert,
} from "./write-shopify-events.server";
import {
  SessionTakenError,
  sessionOfAnotherVisitor,
  ownAttribution,
  visitsRead,
  visitorSessionsUpsert,
  type InheritingVisit,
  type OwnAttribution,
  type StoredVisits,
} from "./write-visitor-session.server";
import {
  directiveOf,
  type SavedRecordingSettings,
} from "../replay/recording-settings.server";
import type { RecordingDirective } from "./payload-types";

export interface IngestShop {
  id: string;
  timezone: string;
  storefrontOrigins: string[];
}

export interface WriteContext {
  receivedAt: Date;
  userAgent: string | null;
  isBot: boolean;
}

/** One validated batch as it arrived, waiting to be written. */
export interface PendingBatch {
  batch: ValidBatch;
  /** The request's Origin header. */
  origin: string | null;
  context: WriteContext;
}

export interface WriteResult {
  duplicate: boolean;
  events: number;
  pages: number;
  snapshotPages: string[];
}

/** Outcome of one batch of a group: written (or a duplicate), or rejected. */
export type BatchOutcome =
  | {
      ok: true;
      shop: ShopForIngest;
      result: WriteResult;
      /** Recording mode for the storefront script on this visit, if any. */
      recording?: RecordingDirective;
    }
  | { ok: false; error: IngestError };

/** A batch that passed every check and is written in this transaction. */
export interface AcceptedBatch {
  shop: IngestShop;
  batch: ValidBatch;
  receivedAt: Date;
  userAgent: string | null;
  isBot: boolean;
  /** The visit's clock estimate with this batch's observation folded in. */
  clock: ClockEstimate;
  /** Moves a browser timestamp onto the server clock. */
  corrected: (at: number) => Date;
  /** Path, device and viewport of every page view the batch refers to. */
  pages: Map<string, PageRow>;
  /** Page views this batch is the first to write. */
  newPageIds: Set<string>;
  /** The visit's source as this batch alone gives it. */
  attribution: OwnAttribution;
}

/** Maximum attempts at a batch whose page view a concurrent writer took. */
const PAGE_RACE_ATTEMPTS = 3;

/** Writes one batch in a transaction of its own. */
export async function writeBatch(
  pool: pg.Pool,
  pending: PendingBatch,
): Promise<BatchOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const [outcome] = await withTransaction(pool, (client) =>
        writeGroup(client, [pending]),
      );
      return outcome;
    } catch (error) {
      // Another writer gave the visit to another visitor after the check.
      if (error instanceof SessionTakenError) {
        return { ok: false, error: sessionOfAnotherVisitor() };
      }
      // Another writer stored one of the batch's page views for its own
      // visit after the check. The next attempt's checks read that page view
      // and reject the batch with its field.
      if (error instanceof PageTakenError && attempt < PAGE_RACE_ATTEMPTS) {
        continue;
      }
      throw error;
    }
  }
}

/**
 * Writes a group of batches in the caller's transaction, with a few
 * statements for the whole group. Each batch ends as it would if the
 * batches had been written one by one in their order. Its id is claimed
 * once, so a retry is a duplicate. Its visit, page views and events are
 * stored, or it is rejected with the error that names its field. A rejected
 * batch writes nothing and does not affect the others.
 */
export async function writeGroup(
  client: pg.PoolClient,
  group: PendingBatch[],
): Promise<BatchOutcome[]> {
  const outcomes: (BatchOutcome | undefined)[] = group.map(() => undefined);
  const reject = (index: number, error: unknown) => {
    if (!(error instanceof IngestError)) throw error;
    outcomes[index] = { ok: false, error };
  };

  // The shops, each checked for installation and the request's origin, and
  // the batch ids claimed, so that a retry is a duplicate.
  const { shopRows, claimed, claimSentBy } = await readShopsAndClaim(
    client,
    group,
  );
  const shopsByDomain = new Map(shopRows.map((row) => [row.domain, row]));
  const shops: (ShopForIngest | undefined)[] = group.map((pending, index) => {
    try {
      const shop = checkedShop(
        pending.batch.shop,
        shopsByDomain.get(pending.batch.shop),
      );
      assertAllowedOrigin(pending.origin, shop, pending.batch.source);
      return shop;
    } catch (error) {
      reject(index, error);
      return undefined;
    }
  });

  // A copy later in the group is a duplicate of the first copy that passed
  // the checks above. An id claimed before the group is a duplicate too.
  const claimOrder: number[] = [];
  const firstCopy = new Map<string, number>();
  const copyOf = new Map<number, number>();
  group.forEach((pending, index) => {
    const shop = shops[index];
    if (!shop) return;
    const key = `${shop.id} ${pending.batch.batchId}`;
    const first = firstCopy.get(key);
    if (first === undefined) {
      firstCopy.set(key, index);
      claimOrder.push(index);
    } else copyOf.set(index, first);
  });
  const claimKey = (index: number) =>
    `${shops[index]!.id} ${group[index].batch.batchId}`;
  const fresh = claimOrder.filter((index) => claimed.has(claimKey(index)));
  const freshSet = new Set(fresh);
  const duplicate = (index: number): BatchOutcome => ({
    ok: true,
    shop: shops[index]!,
    result: { duplicate: true, events: 0, pages: 0, snapshotPages: [] },
  });
  for (const index of claimOrder) {
    if (!freshSet.has(index)) outcomes[index] = duplicate(index);
  }

  // Check each new batch against the page views and visits known so far,
  // stored or written by an earlier batch of the group. A later copy of a
  // new batch is checked too, unless an earlier copy was accepted, since a
  // rejected batch leaves no receipt and its retry is checked afresh.
  const checked = group
    .map((_, index) => index)
    .filter((index) => {
      const first = copyOf.get(index) ?? index;
      return freshSet.has(first);
    });
  const pageKeys = new Map<string, { shopId: string; id: string }>();
  const sessionKeys = new Map<string, { shopId: string; id: string }>();
  const inheriting: InheritingVisit[] = [];
  const slotLookups: SlotLookup[] = [];
  const attributions = new Map<number, OwnAttribution>();
  const checkedSet = new Set(checked);
  group.forEach(({ batch, context }, index) => {
    const shop = shops[index];
    if (!shop) return;
    // A duplicate's visit is read too: its response carries a recording
    // directive, which depends on whether the visit has a recording.
    sessionKeys.set(`${shop.id} ${batch.sessionId}`, {
      shopId: shop.id,
      id: batch.sessionId,
    });
    if (!checkedSet.has(index)) return;
    for (const id of pageIdsOf(batch)) {
      pageKeys.set(`${shop.id} ${id}`, { shopId: shop.id, id });
    }
    slotLookups.push(
      ...slotLookupsOf(shop, batch, context.receivedAt, context.isBot),
    );
    const attribution = ownAttribution(shop, batch);
    attributions.set(index, attribution);
    if (attribution.inheritsPrevious) {
      inheriting.push({
        shopId: shop.id,
        visitorId: batch.visitorId,
        sessionId: batch.sessionId,
      });
    }
  });
  const [knownPages, storedVisits, storedSlots] = await queryTogether(client, [
    knownPagesRead([...pageKeys.values()]),
    visitsRead([...sessionKeys.values()], inheriting),
    snapshotSlotsRead(slotLookups),
  ]);
  const knownSessions = new Map<
    string,
    { visitorId: string; clock: ClockEstimate | null }
  >();
  for (const [key, visit] of storedVisits.visits) {
    knownSessions.set(key, {
      visitorId: visit.visitorId,
      clock: storedClock(visit),
    });
  }
  const accepted: AcceptedBatch[] = [];
  const acceptedIndex: number[] = [];
  const acceptedClaims = new Set<string>();
  for (const index of checked) {
    const { batch, context } = group[index];
    const shop = shops[index]!;
    if (acceptedClaims.has(claimKey(index))) {
      outcomes[index] = duplicate(index);
      continue;
    }
    try {
      const { pages, newPageIds } = resolvePages(batch, (id) =>
        knownPages.get(`${shop.id} ${id}`),
      );
      const sessionKey = `${shop.id} ${batch.sessionId}`;
      const known = knownSessions.get(sessionKey);
      if (known && known.visitorId !== batch.visitorId) {
        throw sessionOfAnotherVisitor();
      }
      const clock = observeClock(
        known?.clock ?? null,
        batch.sentAt,
        context.receivedAt.getTime(),
      );
      knownSessions.set(sessionKey, { visitorId: batch.visitorId, clock });
      for (const page of batch.pages) {
        if (!newPageIds.has(page.id)) continue;
        knownPages.set(`${shop.id} ${page.id}`, {
          ...page,
          sessionId: batch.sessionId,
        } satisfies KnownPage);
      }
      accepted.push({
        shop,
        batch,
        receivedAt: context.receivedAt,
        userAgent: context.userAgent,
        isBot: context.isBot,
        clock,
        corrected: clockCorrection(clock, context.receivedAt),
        pages,
        newPageIds,
        attribution: attributions.get(index)!,
      });
      acceptedIndex.push(index);
      acceptedClaims.add(claimKey(index));
    } catch (error) {
      reject(index, error);
    }
  }
  // A rejected batch leaves no receipt, so a corrected retry is stored.
  // That includes an id claimed for a batch whose every copy failed the
  // shop checks.
  const rejectedClaims = [...claimed].filter((key) => !acceptedClaims.has(key));
  if (rejectedClaims.length > 0) {
    const ids = rejectedClaims.map((key) => key.split(" "));
    await client.query(
      `DELETE FROM "IngestBatch" b
       USING unnest($1::text[], $2::uuid[]) AS r(shop_id, id)
       WHERE b."shopId" = r.shop_id AND b.id = r.id`,
      [ids.map(([shopId]) => shopId), ids.map(([, id]) => id)],
    );
  }
  // The receipt counts the accepted copy, which need not be the one whose
  // counts the claim wrote.
  await recountCopies(
    client,
    acceptedIndex
      .filter((index) => claimSentBy.get(claimKey(index)) !== index)
      .map((index) => ({
        shopId: shops[index]!.id,
        batch: group[index].batch,
        receivedAt: group[index].context.receivedAt,
      })),
  );

  if (accepted.length > 0) {
    const deepest = deepestScrolls(accepted);
    const [, racedPages] = await queryTogether(client, [
      visitorSessionsUpsert(accepted, storedVisits),
      pageViewsInsert(accepted, deepest),
      scrollDepthUpdate([...deepest.values()]),
      shopifyEventsInsert(accepted),
    ]);
    await assertRacedPageViewsOwn(client, racedPages);
    // The update above cannot see a page view that a concurrent writer
    // stored for this visit while the insert waited, so it is raised here.
    const raced = new Set(
      racedPages.map(({ shopId, id }) => `${shopId} ${id}`),
    );
    await queryTogether(client, [
      scrollDepthUpdate(
        [...deepest]
          .filter(([key]) => raced.has(key))
          .map(([, report]) => report),
      ),
    ]);
    await insertEvents(client, accepted);
    await linkCheckoutOrders(client, accepted);
    for (const item of accepted) await insertExposures(client, item);
    await markFirstEvents(client, accepted, shopRows);
  }
  const snapshots = await claimSnapshots(client, accepted, storedSlots);
  accepted.forEach((item, position) => {
    const index = acceptedIndex[position];
    outcomes[index] = {
      ok: true,
      shop: shops[index]!,
      result: {
        duplicate: false,
        events: item.batch.events.length,
        pages: item.batch.pages.length,
        snapshotPages: snapshots[position],
      },
    };
  });
  // Copies of a batch stored before the group are duplicates too.
  for (const index of copyOf.keys()) outcomes[index] ??= duplicate(index);
  addRecordingDirectives(
    group,
    outcomes as BatchOutcome[],
    new Map(shopRows.map((row) => [row.id, row.recording])),
    storedVisits,
  );
  return outcomes as BatchOutcome[];
}

/** A shop of a group, with what the checks, receipts and directives need. */
type GroupShop = ShopForIngest & {
  uninstalledAt: Date | null;
  firstEventAt: Date | null;
  recording: SavedRecordingSettings | null;
};

/**
 * Reads the group's shops and claims the batch ids of installed shops, in
 * one statement. Each distinct id is claimed once, with the counts of its
 * first copy. `claimed` lists the ids this group claimed ("shop id, batch
 * id"); `claimSentBy` names the batch whose counts each claim wrote.
 */
async function readShopsAndClaim(
  client: pg.PoolClient,
  group: PendingBatch[],
): Promise<{
  shopRows: GroupShop[];
  claimed: Set<string>;
  claimSentBy: Map<string, number>;
}> {
  const sent: number[] = [];
  const sentKeys = new Set<string>();
  group.forEach(({ batch }, index) => {
    const key = `${batch.shop} ${batch.batchId}`;
    if (sentKeys.has(key)) return;
    sentKeys.add(key);
    sent.push(index);
  });
  // Ids are claimed in shop and id order, so two groups that claim the same
  // ids lock them in the same order instead of deadlocking on each other.
  // A claim waits for a concurrent transaction that inserted the same id. The
  // reads of visits and page views come in a later statement, so they see
  // what that transaction committed.
  const result = await client.query<GroupShop & { claimedId: string | null }>(
    `WITH shop AS (
       SELECT s.id, s.domain, s.timezone, s."storefrontOrigins",
              s."uninstalledAt", s."firstEventAt",
              CASE WHEN r."shopId" IS NULL THEN NULL
                   ELSE json_build_object(
                     'sampleRate', r."sampleRate",
                     'frictionCapture', r."frictionCapture",
                     'maskSelectors', r."maskSelectors")
              END AS recording
       FROM "Shop" s LEFT JOIN "RecordingSettings" r ON r."shopId" = s.id
       WHERE s.domain = ANY($1::text[])
     ), claim AS (
       INSERT INTO "IngestBatch"
         ("shopId", id, "eventCount", "pageCount", "receivedAt")
       SELECT shop.id, c.id, c.events, c.pages, c.received_at
       FROM unnest($2::text[], $3::uuid[], $4::int[], $5::int[],
                   $6::timestamptz[])
         AS c(domain, id, events, pages, received_at)
       JOIN shop ON shop.domain = c.domain AND shop."uninstalledAt" IS NULL
       ORDER BY shop.id, c.id
       ON CONFLICT ("shopId", id) DO NOTHING
       RETURNING "shopId", id
     )
     SELECT shop.*, NULL::uuid AS "claimedId" FROM shop
     UNION ALL
     SELECT claim."shopId", NULL, NULL, NULL, NULL, NULL, NULL, claim.id
     FROM claim`,
    [
      [...new Set(group.map((pending) => pending.batch.shop))],
      sent.map((index) => group[index].batch.shop),
      sent.map((index) => group[index].batch.batchId),
      sent.map((index) => group[index].batch.events.length),
      sent.map((index) => group[index].batch.pages.length),
      sent.map((index) => group[index].context.receivedAt),
    ],
  );
  const shopRows: GroupShop[] = [];
  const claimed = new Set<string>();
  for (const { claimedId, ...row } of result.rows) {
    if (claimedId === null) shopRows.push(row);
    else claimed.add(`${row.id} ${claimedId}`);
  }
  const idOf = new Map(shopRows.map((row) => [row.domain, row.id]));
  const claimSentBy = new Map(
    sent.map((index) => {
      const { shop, batchId } = group[index].batch;
      return [`${idOf.get(shop)} ${batchId}`, index] as const;
    }),
  );
  return { shopRows, claimed, claimSentBy };
}

/**
 * Tells the storefront script of each written batch how to record its
 * visit. The web pixel runs in a sandbox and cannot record, and bots are
 * not recorded.
 */
function addRecordingDirectives(
  group: PendingBatch[],
  outcomes: BatchOutcome[],
  settings: Map<string, SavedRecordingSettings | null>,
  stored: StoredVisits,
) {
  outcomes.forEach((outcome, index) => {
    const { batch, context } = group[index];
    if (!outcome.ok || context.isBot || batch.source === "pixel") return;
    const shopId = outcome.shop.id;
    const visit = stored.visits.get(`${shopId} ${batch.sessionId}`);
    const directive = directiveOf(
      settings.get(shopId) ?? null,
      visit?.recorded ?? false,
      batch.sessionId,
    );
    if (directive) outcome.recording = directive;
  });
}

/**
 * Sets the counts and receive time of a receipt that an earlier, rejected
 * copy of its batch claimed to those of the accepted copy.
 */
async function recountCopies(
  client: pg.PoolClient,
  copies: { shopId: string; batch: ValidBatch; receivedAt: Date }[],
) {
  if (copies.length === 0) return;
  await client.query(
    `UPDATE "IngestBatch" b
     SET "eventCount" = c.events, "pageCount" = c.pages,
         "receivedAt" = c.received_at
     FROM unnest($1::text[], $2::uuid[], $3::int[], $4::int[],
                 $5::timestamptz[])
       AS c(shop_id, id, events, pages, received_at)
     WHERE b."shopId" = c.shop_id AND b.id = c.id`,
    [
      copies.map((copy) => copy.shopId),
      copies.map((copy) => copy.batch.batchId),
      copies.map((copy) => copy.batch.events.length),
      copies.map((copy) => copy.batch.pages.length),
      copies.map((copy) => copy.receivedAt),
    ],
  );
}

/** Notes when each shop's first event arrived, once. */
async function markFirstEvents(
  client: pg.PoolClient,
  accepted: AcceptedBatch[],
  shops: { id: string; firstEventAt: Date | null }[],
) {
  const waiting = new Set(
    shops.filter((shop) => shop.firstEventAt === null).map((shop) => shop.id),
  );
  const first = new Map<string, Date>();
  for (const item of accepted) {
    if (!waiting.has(item.shop.id)) continue;
    const seen = first.get(item.shop.id);
    if (!seen || item.receivedAt < seen)
      first.set(item.shop.id, item.receivedAt);
  }
  if (first.size === 0) return;
  await client.query(
    `UPDATE "Shop" s SET "firstEventAt" = f.at
     FROM unnest($1::text[], $2::timestamptz[]) AS f(id, at)
     WHERE s.id = f.id AND s."firstEventAt" IS NULL`,
    [[...first.keys()], [...first.values()]],
  );
}
