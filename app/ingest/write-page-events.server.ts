import type pg from "pg";
import { localDay } from "../analytics/date-range.server";
import { bandOf } from "../analytics/viewport-bands";
import type { ValidBatch, ValidEvent } from "./batch-schema.server";
import { copyRows } from "./copy-rows.server";
import { IngestError } from "./errors.server";
import type { QueryPart } from "./query-together.server";
import type { AcceptedBatch, IngestShop } from "./write-batch.server";

// Page views and the events of the storefront script: clicks, scroll depth,
// pointer moves and hovers, form fields and JavaScript errors.

/** How long a snapshot claim waits for its upload before another page view may take it. */
const SNAPSHOT_CLAIM_TIMEOUT_MS = 10 * 60_000;

export type PageEvent = Exclude<ValidEvent, { type: "shopify" | "exposure" }>;

/** Events that belong to a page view; pixel events and exposures do not. */
function isPageEvent(event: ValidEvent): event is PageEvent {
  return event.type !== "shopify" && event.type !== "exposure";
}

export interface PageRow {
  id: string;
  path: string;
  device: string;
  viewportWidth: number;
  viewportHeight: number;
}

/** A page view as stored, or as written by an earlier batch of the same transaction. */
export interface KnownPage extends PageRow {
  sessionId: string;
}

export function pageEventsOf(batch: ValidBatch): PageEvent[] {
  return batch.events.filter(isPageEvent);
}

/** Page view ids a batch lists or refers to, each once. */
export function pageIdsOf(batch: ValidBatch): string[] {
  const referenced = pageEventsOf(batch).map((event) => event.page);
  return [...new Set([...batch.pages.map((page) => page.id), ...referenced])];
}

export interface ResolvedPages {
  /** Path, device and viewport of every page view the batch's events refer to. */
  pages: Map<string, PageRow>;
  /** Page views of the batch that no earlier batch stored. */
  newPageIds: Set<string>;
}

/**
 * Maps every page id of the batch onto its path and device. A page view
 * known before the batch keeps its path and device; one of another visit
 * is rejected, so a batch can never change someone else's page view.
 */
export function resolvePages(
  batch: ValidBatch,
  known: (id: string) => KnownPage | undefined,
): ResolvedPages {
  const pages = new Map<string, PageRow>(
    batch.pages.map((page) => [page.id, page]),
  );
  const newPageIds = new Set(batch.pages.map((page) => page.id));
  for (const id of pageIdsOf(batch)) {
    const row = known(id);
    if (!row) continue;
    if (row.sessionId !== batch.sessionId) {
      const index = batch.pages.findIndex((page) => page.id === row.id);
      const field =
        index >= 0
          ? `pages.${index}.id`
          : `events.${batch.events.findIndex((e) => isPageEvent(e) && e.page === row.id)}.page`;
      throw new IngestError(
        409,
        "page_of_another_visit",
        `${field} is a page view of another visit: page view ids are unique per visit`,
        field,
      );
    }
    pages.set(row.id, row);
    newPageIds.delete(row.id);
  }
  const index = batch.events.findIndex(
    (event) => isPageEvent(event) && !pages.has(event.page),
  );
  if (index >= 0) {
    throw new IngestError(
      400,
      "unknown_page",
      `events.${index}.page refers to a page view that is neither in this batch nor stored for this session: include its entry in pages`,
      `events.${index}.page`,
    );
  }
  return { pages, newPageIds };
}

/**
 * Builds the read of the stored page views among `keys` (shop id, page
 * view id). It returns them by shop id and page view id.
 */
export function knownPagesRead(
  keys: { shopId: string; id: string }[],
): QueryPart<Map<string, KnownPage>> {
  return {
    sql: `SELECT pv."shopId", pv.id, pv.path, pv.device, pv."sessionId",
                 pv."viewportWidth", pv."viewportHeight"
          FROM unnest($1::text[], $2::uuid[]) AS k(shop_id, id)
          JOIN "PageView" pv ON pv."shopId" = k.shop_id AND pv.id = k.id`,
    params: [keys.map((key) => key.shopId), keys.map((key) => key.id)],
    empty: keys.length === 0,
    read: (rows) =>
      new Map(
        (rows as unknown as (KnownPage & { shopId: string })[]).map(
          ({ shopId, ...page }) => [`${shopId} ${page.id}`, page],
        ),
      ),
  };
}

function compareText(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/**
 * Sorts rows in place by shop and id, so that concurrent writers lock the
 * rows of one table in the same order.
 */
export function byShopAndId<T>(
  rows: T[],
  key: (row: T) => [string, string],
): T[] {
  return rows.sort((x, y) => {
    const [xShop, xId] = key(x);
    const [yShop, yId] = key(y);
    return compareText(xShop, yShop) || compareText(xId, yId);
  });
}

/**
 * Error thrown when a concurrent transaction wrote a page view for another
 * visit after the checks found it free. A new transaction's checks see that
 * page view and reject the batch that named it.
 */
export class PageTakenError extends Error {
  constructor() {
    super("a page view of the group was written for another visit meanwhile");
    this.name = "PageTakenError";
  }
}

/** A page view new to the checks that a group's insert found already stored. */
export interface RacedPageView {
  shopId: string;
  id: string;
  sessionId: string;
}

/**
 * Builds the insert of the listed page views; the first entry of a page
 * view wins. It returns the raced page views, for `assertRacedPageViewsOwn`.
 */
export function pageViewsInsert(
  accepted: AcceptedBatch[],
  deepest: Map<string, ScrollReport>,
): QueryPart<RacedPageView[]> {
  const rows = new Map<
    string,
    { item: AcceptedBatch; page: ValidBatch["pages"][number] }
  >();
  for (const item of accepted) {
    for (const page of item.batch.pages) {
      const key = `${item.shop.id} ${page.id}`;
      if (!rows.has(key)) rows.set(key, { item, page });
    }
  }
  const list = byShopAndId([...rows.values()], (row) => [
    row.item.shop.id,
    row.page.id,
  ]);
  return {
    sql: `INSERT INTO "PageView"
            ("shopId", id, "sessionId", path, title, referrer, "startedAt",
             "viewportWidth", "viewportHeight", device, "maxScrollPx",
             "documentHeight")
          SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[],
                               $4::text[], $5::text[], $6::text[],
                               $7::timestamptz[], $8::int[], $9::int[],
                               $10::text[], $11::int[], $12::int[])
          ON CONFLICT ("shopId", id) DO NOTHING
          RETURNING "shopId", id`,
    params: [
      list.map((row) => row.item.shop.id),
      list.map((row) => row.page.id),
      list.map((row) => row.item.batch.sessionId),
      list.map((row) => row.page.path),
      list.map((row) => row.page.title),
      list.map((row) => row.page.referrer || null),
      list.map((row) => row.item.corrected(row.page.startedAt)),
      list.map((row) => row.page.viewportWidth),
      list.map((row) => row.page.viewportHeight),
      list.map((row) => row.page.device),
      // A new page view starts at its deepest scroll in the group, which
      // spares each one an update right after its insert.
      list.map(
        (row) => deepest.get(`${row.item.shop.id} ${row.page.id}`)?.depth ?? 0,
      ),
      list.map(
        (row) => deepest.get(`${row.item.shop.id} ${row.page.id}`)?.height ?? 0,
      ),
    ],
    empty: list.length === 0,
    read: (inserted) => {
      const written = new Set(
        (inserted as { shopId: string; id: string }[]).map(
          (row) => `${row.shopId} ${row.id}`,
        ),
      );
      return list
        .filter(
          (row) =>
            row.item.newPageIds.has(row.page.id) &&
            !written.has(`${row.item.shop.id} ${row.page.id}`),
        )
        .map((row) => ({
          shopId: row.item.shop.id,
          id: row.page.id,
          sessionId: row.item.batch.sessionId,
        }));
    },
  };
}

/**
 * Throws `PageTakenError` if a concurrent transaction wrote one of the
 * raced page views for another visit, since the batch's events would
 * otherwise land on someone else's page view.
 */
export async function assertRacedPageViewsOwn(
  client: pg.PoolClient,
  raced: RacedPageView[],
) {
  if (raced.length === 0) return;
  // The insert waited for the conflicting rows to commit, so this query
  // reads them.
  const owners = await client.query<{ count: string }>(
    `SELECT count(*) FROM unnest($1::text[], $2::uuid[], $3::uuid[])
       AS r(shop_id, id, session_id)
     JOIN "PageView" pv ON pv."shopId" = r.shop_id AND pv.id = r.id
     WHERE pv."sessionId" <> r.session_id`,
    [
      raced.map((row) => row.shopId),
      raced.map((row) => row.id),
      raced.map((row) => row.sessionId),
    ],
  );
  if (Number(owners.rows[0].count) > 0) throw new PageTakenError();
}

/** One InteractionEvent row's type-specific columns; absent ones are null. */
interface EventColumns {
  x?: number;
  y?: number;
  selector?: string;
  offsetX?: number;
  offsetY?: number;
  fixed?: boolean;
  touch?: boolean;
  scrollDepthPx?: number;
  documentHeight?: number;
  outcome?: string;
  durationMs?: number;
  cta?: boolean;
  form?: string;
  message?: string;
  viewportWidth?: number;
  viewportHeight?: number;
}

function columnsOf(event: PageEvent): EventColumns {
  switch (event.type) {
    case "click":
      return {
        x: event.x,
        y: event.y,
        selector: event.selector,
        offsetX: event.offsetX,
        offsetY: event.offsetY,
        fixed: event.fixed,
        touch: event.touch,
        outcome: event.outcome && JSON.stringify(event.outcome),
        viewportWidth: event.viewportWidth,
        viewportHeight: event.viewportHeight,
      };
    case "move":
      return {
        x: event.x,
        y: event.y,
        selector: event.selector,
        offsetX: event.offsetX,
        offsetY: event.offsetY,
        fixed: event.fixed,
        touch: false,
      };
    case "scroll":
      return {
        scrollDepthPx: Math.min(event.maxDepthPx, event.documentHeight),
        documentHeight: event.documentHeight,
      };
    case "hover":
      return {
        selector: event.selector,
        durationMs: event.durationMs,
        cta: event.cta,
      };
    case "focus":
    case "blur":
    case "submit":
      return { selector: event.field, form: event.form };
    case "error":
      return { message: event.message };
  }
}

const EVENT_COLUMNS = [
  "x",
  "y",
  "selector",
  "offsetX",
  "offsetY",
  "fixed",
  "touch",
  "scrollDepthPx",
  "documentHeight",
  "outcome",
  "durationMs",
  "cta",
  "form",
  "message",
] as const satisfies readonly (keyof EventColumns)[];

/** Every InteractionEvent column the ingest writes: all but the generated id. */
export const INTERACTION_EVENT_COLUMNS = [
  "shopId",
  "pageViewId",
  "sessionId",
  "batchId",
  "receivedAt",
  "type",
  "occurredAt",
  "clientAt",
  "path",
  "device",
  "viewportWidth",
  "viewportHeight",
  ...EVENT_COLUMNS,
] as const;

export async function insertEvents(
  client: pg.PoolClient,
  accepted: AcceptedBatch[],
) {
  const rows = accepted.flatMap((item) => {
    const entries = new Map(
      item.batch.pages.map((page) => [page.id, page] as const),
    );
    return pageEventsOf(item.batch).map((event) => {
      const page = item.pages.get(event.page)!;
      const columns = columnsOf(event);
      // A click carries its own viewport; other events take their page
      // view's, from this batch or else from the stored page view.
      const viewport = entries.get(event.page) ?? page;
      return {
        item,
        event,
        page,
        columns,
        vw: columns.viewportWidth ?? viewport.viewportWidth,
        vh: columns.viewportHeight ?? viewport.viewportHeight,
      };
    });
  });
  await copyRows(
    client,
    "InteractionEvent",
    INTERACTION_EVENT_COLUMNS,
    rows.map((row) => [
      row.item.shop.id,
      row.event.page,
      row.item.batch.sessionId,
      row.item.batch.batchId,
      row.item.receivedAt,
      row.event.type,
      row.item.corrected(row.event.at),
      new Date(row.event.at),
      row.page.path,
      row.page.device,
      row.vw,
      row.vh,
      ...EVENT_COLUMNS.map((name) => row.columns[name] ?? null),
    ]),
  );
}

/** The deepest scroll a group reports for one page view. */
export interface ScrollReport {
  shopId: string;
  id: string;
  sessionId: string;
  depth: number;
  height: number;
}

/**
 * Finds each page view's deepest scroll in the group. Of equally deep
 * reports the latest batch's document height wins, as if the batches ran
 * one by one.
 */
export function deepestScrolls(
  accepted: AcceptedBatch[],
): Map<string, ScrollReport> {
  const deepest = new Map<string, ScrollReport>();
  for (const item of accepted) {
    const own = new Map<string, { depth: number; height: number }>();
    for (const event of pageEventsOf(item.batch)) {
      if (event.type !== "scroll") continue;
      const depth = Math.min(event.maxDepthPx, event.documentHeight);
      const seen = own.get(event.page);
      if (!seen || depth > seen.depth) {
        own.set(event.page, { depth, height: event.documentHeight });
      }
    }
    for (const [id, report] of own) {
      const key = `${item.shop.id} ${id}`;
      const seen = deepest.get(key);
      if (!seen || report.depth >= seen.depth) {
        deepest.set(key, {
          shopId: item.shop.id,
          id,
          sessionId: item.batch.sessionId,
          ...report,
        });
      }
    }
  }
  return deepest;
}

/**
 * Builds the update that raises stored page views to the group's deepest
 * scroll. In the statement of the page view insert, it reads only the page
 * views stored before that statement. The insert writes the new ones at
 * their deepest scroll already.
 */
export function scrollDepthUpdate(reports: ScrollReport[]): QueryPart<void> {
  const rows = byShopAndId(reports, (row) => [row.shopId, row.id]);
  return {
    sql: `UPDATE "PageView" pv SET
            "maxScrollPx" = GREATEST(pv."maxScrollPx", s.depth),
            "documentHeight" = CASE WHEN s.depth >= pv."maxScrollPx"
                                    THEN s.height ELSE pv."documentHeight" END
          FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::int[],
                      $5::int[])
            AS s(shop_id, id, session_id, depth, height)
          WHERE pv."shopId" = s.shop_id AND pv.id = s.id
            AND pv."sessionId" = s.session_id`,
    params: [
      rows.map((row) => row.shopId),
      rows.map((row) => row.id),
      rows.map((row) => row.sessionId),
      rows.map((row) => row.depth),
      rows.map((row) => row.height),
    ],
    empty: rows.length === 0,
  };
}

/** A new page view that may take its slot; `item` indexes its batch. */
type SlotCandidate = ValidBatch["pages"][number] & {
  band: string;
  item: number;
};

/** Upload state and claim time of a stored snapshot slot. */
export interface SlotState {
  uploaded: boolean;
  claimedAtMs: number;
}

/**
 * Claims the day's snapshot slot for each new page view whose path, device
 * and viewport band have no snapshot yet today (in the shop's time zone),
 * so each band's heatmap is drawn over a layout of that band. A claim not
 * followed by an upload within the timeout passes to a later page view.
 * Returns the claimed page view ids per batch, in the order of `accepted`.
 *
 * The claims are those that writing the batches one by one in their order
 * would make. Within a batch the last page view of a slot is its
 * candidate. Across batches each candidate, in batch order, finds the slot
 * as the ones before it left it: a later batch received more than the
 * timeout after an earlier claim takes the slot over.
 */
export async function claimSnapshots(
  client: pg.PoolClient,
  accepted: AcceptedBatch[],
  stored: Map<string, SlotState>,
): Promise<string[][]> {
  const queues = slotQueues(accepted);
  const claimedPerBatch = accepted.map((): string[] => []);
  if (queues.size === 0) return claimedPerBatch;

  // Most page views come after the day's slot is taken. A plain read
  // (`snapshotSlotsRead`, before the group's writes) skips them, because
  // the upsert below locks the slot's row until the batch commits, and
  // every batch of a busy page would wait on the others.
  const rounds: SlotCandidate[][] = [];
  for (const [key, queue] of queues) {
    let state = stored.get(key);
    let round = 0;
    for (const page of queue) {
      const receivedMs = accepted[page.item].receivedAt.getTime();
      const free =
        !state ||
        (!state.uploaded &&
          state.claimedAtMs < receivedMs - SNAPSHOT_CLAIM_TIMEOUT_MS);
      if (!free) continue;
      (rounds[round] ??= []).push(page);
      round += 1;
      state = { uploaded: false, claimedAtMs: receivedMs };
    }
  }

  // ON CONFLICT may touch a row only once per statement, so the n-th claim
  // of every slot goes in the n-th statement. The upsert checks the slot
  // again, and a claim a concurrent writer made since the read wins.
  for (const round of rounds) {
    const claimed = await upsertClaims(client, accepted, round);
    for (const page of claimed) claimedPerBatch[page.item].push(page.id);
  }
  return claimedPerBatch;
}

function slotKey(item: AcceptedBatch, page: SlotCandidate): string {
  const day = localDay(item.receivedAt, item.shop.timezone);
  return `${item.shop.id} ${day} ${page.device} ${page.band} ${page.path}`;
}

/**
 * Lists each slot's candidates in batch order: of every batch, the last of
 * its new page views in that slot. Bots and page views stored before their
 * batch take no slot.
 */
function slotQueues(accepted: AcceptedBatch[]): Map<string, SlotCandidate[]> {
  const queues = new Map<string, SlotCandidate[]>();
  accepted.forEach((item, index) => {
    if (item.isBot) return;
    const own = new Map<string, SlotCandidate>();
    for (const page of item.batch.pages) {
      if (!item.newPageIds.has(page.id)) continue;
      const candidate = {
        ...page,
        band: bandOf(page.viewportWidth).id,
        item: index,
      };
      own.set(slotKey(item, candidate), candidate);
    }
    for (const [key, page] of own) {
      queues.set(key, [...(queues.get(key) ?? []), page]);
    }
  });
  return queues;
}

function slotColumns(accepted: AcceptedBatch[], pages: SlotCandidate[]) {
  return [
    pages.map((page) => accepted[page.item].shop.id),
    pages.map((page) => accepted[page.item].receivedAt),
    pages.map((page) => accepted[page.item].shop.timezone),
    pages.map((page) => page.path),
    pages.map((page) => page.device),
    pages.map((page) => page.band),
  ];
}

/** A page view of a batch whose snapshot slot may be free. */
export interface SlotLookup {
  shopId: string;
  timezone: string;
  receivedAt: Date;
  path: string;
  device: string;
  viewportWidth: number;
}

/** Lists the page views of a batch that may claim a snapshot slot. Bots claim none. */
export function slotLookupsOf(
  shop: IngestShop,
  batch: ValidBatch,
  receivedAt: Date,
  isBot: boolean,
): SlotLookup[] {
  if (isBot) return [];
  return batch.pages.map((page) => ({
    shopId: shop.id,
    timezone: shop.timezone,
    receivedAt,
    path: page.path,
    device: page.device,
    viewportWidth: page.viewportWidth,
  }));
}

/**
 * Builds the read of the stored state of the lookups' snapshot slots, by
 * slot key. It runs before the group is checked, so it reads the slots of
 * every page view the group lists. `claimSnapshots` uses the new ones.
 */
export function snapshotSlotsRead(
  lookups: SlotLookup[],
): QueryPart<Map<string, SlotState>> {
  // The claim time as epoch milliseconds: "createdAt" is a UTC timestamp
  // without time zone.
  return {
    sql: `SELECT s."shopId" || ' ' || to_char(s.day, 'YYYY-MM-DD') || ' ' ||
                 s.device || ' ' || s.band || ' ' || s.path AS key,
                 s."byteSize" > 0 AS uploaded,
                 (extract(epoch FROM s."createdAt") * 1000)::float8
                   AS "claimedAtMs"
          FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[],
                      $5::text[], $6::text[])
            AS c(shop_id, received_at, tz, path, device, band)
          JOIN "PageSnapshot" s ON s."shopId" = c.shop_id AND s.path = c.path
            AND s.device = c.device AND s.band = c.band
            AND s.day = (c.received_at AT TIME ZONE c.tz)::date`,
    params: [
      lookups.map((lookup) => lookup.shopId),
      lookups.map((lookup) => lookup.receivedAt),
      lookups.map((lookup) => lookup.timezone),
      lookups.map((lookup) => lookup.path),
      lookups.map((lookup) => lookup.device),
      lookups.map((lookup) => bandOf(lookup.viewportWidth).id),
    ],
    empty: lookups.length === 0,
    read: (rows) =>
      new Map(
        (rows as unknown as (SlotState & { key: string })[]).map(
          ({ key, uploaded, claimedAtMs }) => [key, { uploaded, claimedAtMs }],
        ),
      ),
  };
}

/**
 * Claims one slot per page (no two of the same slot) unless the slot's
 * snapshot is uploaded or its claim is younger than the timeout. Returns
 * the pages that took their slot.
 */
async function upsertClaims(
  client: pg.PoolClient,
  accepted: AcceptedBatch[],
  round: SlotCandidate[],
): Promise<SlotCandidate[]> {
  // Slots in key order, so that two writers claiming the same slots lock
  // them in the same order instead of deadlocking on each other.
  const pages = round
    .map((page) => ({ key: slotKey(accepted[page.item], page), page }))
    .sort((a, b) => compareText(a.key, b.key))
    .map((entry) => entry.page);
  const claimed = await client.query<{ shopId: string; pageViewId: string }>(
    `INSERT INTO "PageSnapshot"
       ("shopId", id, path, device, band, day, "pageViewId", "viewportWidth",
        "viewportHeight", "documentHeight", data, "byteSize", "createdAt")
     SELECT c.shop_id, gen_random_uuid()::text, c.path, c.device, c.band,
            (c.received_at AT TIME ZONE c.tz)::date, c.id, c.vw, c.vh, 0,
            ''::bytea, 0, c.received_at
     FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[],
                 $5::text[], $6::text[], $7::uuid[], $8::int[], $9::int[])
       AS c(shop_id, received_at, tz, path, device, band, id, vw, vh)
     ON CONFLICT ("shopId", path, device, band, day) DO UPDATE SET
       "pageViewId" = EXCLUDED."pageViewId",
       "viewportWidth" = EXCLUDED."viewportWidth",
       "viewportHeight" = EXCLUDED."viewportHeight",
       "createdAt" = EXCLUDED."createdAt"
     WHERE "PageSnapshot"."byteSize" = 0
       AND "PageSnapshot"."createdAt" < EXCLUDED."createdAt"
         - make_interval(secs => ${SNAPSHOT_CLAIM_TIMEOUT_MS / 1000})
     RETURNING "shopId", "pageViewId"`,
    [
      ...slotColumns(accepted, pages),
      pages.map((page) => page.id),
      pages.map((page) => page.viewportWidth),
      pages.map((page) => page.viewportHeight),
    ],
  );
  const claimedKeys = new Set(
    claimed.rows.map((row) => `${row.shopId} ${row.pageViewId}`),
  );
  return pages.filter((page) =>
    claimedKeys.has(`${accepted[page.item].shop.id} ${page.id}`),
  );
}
