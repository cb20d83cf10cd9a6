import type pg from "pg";
import { bandOf } from "../analytics/viewport-bands";
import type { ValidBatch, ValidEvent } from "./batch-schema.server";
import { IngestError } from "./errors.server";
import type { IngestShop } from "./write-batch.server";

// Page views and the events of the storefront script: clicks, scroll depth,
// pointer moves and hovers, form fields and JavaScript errors.

/** How long a snapshot claim waits for its upload before another page view may take it. */
const SNAPSHOT_CLAIM_TIMEOUT = "10 minutes";

export type PageEvent = Exclude<ValidEvent, { type: "shopify" | "exposure" }>;

/** Events that belong to a page view; pixel events and exposures do not. */
function isPageEvent(event: ValidEvent): event is PageEvent {
  return event.type !== "shopify" && event.type !== "exposure";
}

export interface PageRow {
  id: string;
  path: string;
  device: string;
}

export function pageEventsOf(batch: ValidBatch): PageEvent[] {
  return batch.events.filter(isPageEvent);
}

export interface ResolvedPages {
  /** Path and device of every page view the batch's events refer to. */
  pages: Map<string, PageRow>;
  /** Page views of the batch that no earlier batch stored. */
  newPageIds: Set<string>;
}

/**
 * Maps every page id of the batch onto its path and device. A page view
 * stored by an earlier batch keeps its stored path and device; one stored
 * for another visit is rejected, so a batch can never change someone
 * else's page view.
 */
export async function resolvePages(
  client: pg.PoolClient,
  shop: IngestShop,
  batch: ValidBatch,
): Promise<ResolvedPages> {
  const referenced = pageEventsOf(batch).map((event) => event.page);
  const ids = [
    ...new Set([...batch.pages.map((page) => page.id), ...referenced]),
  ];
  const stored = ids.length
    ? await client.query<PageRow & { sessionId: string }>(
        `SELECT id, path, device, "sessionId" FROM "PageView"
         WHERE "shopId" = $1 AND id = ANY($2::uuid[])`,
        [shop.id, ids],
      )
    : { rows: [] };
  const pages = new Map<string, PageRow>(
    batch.pages.map((page) => [page.id, page]),
  );
  const newPageIds = new Set(batch.pages.map((page) => page.id));
  for (const row of stored.rows) {
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
    pages.set(row.id, { id: row.id, path: row.path, device: row.device });
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

export async function insertPageViews(
  client: pg.PoolClient,
  shop: IngestShop,
  batch: ValidBatch,
  corrected: (at: number) => Date,
) {
  if (batch.pages.length === 0) return;
  const pages = batch.pages;
  await client.query(
    `INSERT INTO "PageView"
       ("shopId", id, "sessionId", path, title, referrer, "startedAt",
        "viewportWidth", "viewportHeight", device)
     SELECT $1, page.id, $2, page.path, page.title, page.referrer,
            page.started_at, page.vw, page.vh, page.device
     FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[],
                 $7::timestamptz[], $8::int[], $9::int[], $10::text[])
       AS page(id, path, title, referrer, started_at, vw, vh, device)
     ON CONFLICT ("shopId", id) DO NOTHING`,
    [
      shop.id,
      batch.sessionId,
      pages.map((page) => page.id),
      pages.map((page) => page.path),
      pages.map((page) => page.title),
      pages.map((page) => page.referrer || null),
      pages.map((page) => corrected(page.startedAt)),
      pages.map((page) => page.viewportWidth),
      pages.map((page) => page.viewportHeight),
      pages.map((page) => page.device),
    ],
  );
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
  depth?: number;
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
        depth: Math.min(event.maxDepthPx, event.documentHeight),
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
  ["x", "float8"],
  ["y", "float8"],
  ["selector", "text"],
  ["offsetX", "float8"],
  ["offsetY", "float8"],
  ["fixed", "bool"],
  ["touch", "bool"],
  ["depth", "int"],
  ["documentHeight", "int"],
  ["outcome", "jsonb"],
  ["durationMs", "int"],
  ["cta", "bool"],
  ["form", "text"],
  ["message", "text"],
] as const satisfies readonly (readonly [keyof EventColumns, string])[];

export async function insertEvents(
  client: pg.PoolClient,
  shop: IngestShop,
  batch: ValidBatch,
  pages: Map<string, PageRow>,
  corrected: (at: number) => Date,
  receivedAt: Date,
) {
  const events = pageEventsOf(batch);
  if (events.length === 0) return;
  const pageViewports = new Map(
    batch.pages.map((page) => [page.id, page] as const),
  );
  const rows = events.map((event) => {
    const page = pages.get(event.page)!;
    const viewport = pageViewports.get(event.page);
    const columns = columnsOf(event);
    return {
      event,
      page,
      columns,
      // A click carries its own viewport; other events take their page
      // view's, from this batch or else from the stored page view.
      vw: columns.viewportWidth ?? viewport?.viewportWidth ?? null,
      vh: columns.viewportHeight ?? viewport?.viewportHeight ?? null,
    };
  });
  const typed = EVENT_COLUMNS.map(([name]) =>
    rows.map((row) => row.columns[name] ?? null),
  );
  // $1..$12 are the fixed parameters below; the typed columns follow.
  const firstTyped = 13;
  await client.query(
    `INSERT INTO "InteractionEvent"
       ("shopId", "pageViewId", "sessionId", type, "occurredAt", "clientAt",
        path, device, "viewportWidth", "viewportHeight", x, y, selector,
        "offsetX", "offsetY", fixed, touch, "scrollDepthPx", "documentHeight",
        outcome, "durationMs", cta, form, message, "batchId", "receivedAt")
     SELECT $1, e.page, $2, e.type, e.occurred_at, e.client_at, e.path,
            e.device, COALESCE(e.vw, pv."viewportWidth"),
            COALESCE(e.vh, pv."viewportHeight"), e.x, e.y, e.selector,
            e.offset_x, e.offset_y, e.fixed, e.touch, e.depth, e.doc_height,
            e.outcome, e.duration_ms, e.cta, e.form, e.message, $3, $4
     FROM unnest($5::uuid[], $6::text[], $7::timestamptz[], $8::timestamptz[],
                 $9::text[], $10::text[], $11::int[], $12::int[],
                 ${EVENT_COLUMNS.map(([, type], i) => `$${firstTyped + i}::${type}[]`).join(", ")})
       AS e(page, type, occurred_at, client_at, path, device, vw, vh, x, y,
            selector, offset_x, offset_y, fixed, touch, depth, doc_height,
            outcome, duration_ms, cta, form, message)
     LEFT JOIN "PageView" pv ON pv."shopId" = $1 AND pv.id = e.page`,
    [
      shop.id,
      batch.sessionId,
      batch.batchId,
      receivedAt,
      rows.map((row) => row.event.page),
      rows.map((row) => row.event.type),
      rows.map((row) => corrected(row.event.at)),
      rows.map((row) => new Date(row.event.at)),
      rows.map((row) => row.page.path),
      rows.map((row) => row.page.device),
      rows.map((row) => row.vw),
      rows.map((row) => row.vh),
      ...typed,
    ],
  );
}

export async function raiseScrollDepth(
  client: pg.PoolClient,
  shop: IngestShop,
  events: PageEvent[],
  sessionId: string,
) {
  const deepest = new Map<string, { depth: number; height: number }>();
  for (const event of events) {
    if (event.type !== "scroll") continue;
    const depth = Math.min(event.maxDepthPx, event.documentHeight);
    const seen = deepest.get(event.page);
    if (!seen || depth > seen.depth) {
      deepest.set(event.page, { depth, height: event.documentHeight });
    }
  }
  if (deepest.size === 0) return;
  const ids = [...deepest.keys()];
  await client.query(
    `UPDATE "PageView" pv SET
       "maxScrollPx" = GREATEST(pv."maxScrollPx", s.depth),
       "documentHeight" = CASE WHEN s.depth >= pv."maxScrollPx"
                               THEN s.height ELSE pv."documentHeight" END
     FROM unnest($2::uuid[], $3::int[], $4::int[]) AS s(id, depth, height)
     WHERE pv."shopId" = $1 AND pv.id = s.id AND pv."sessionId" = $5`,
    [
      shop.id,
      ids,
      ids.map((id) => deepest.get(id)!.depth),
      ids.map((id) => deepest.get(id)!.height),
      sessionId,
    ],
  );
}

/**
 * Claims the day's snapshot slot for each new page view whose path, device
 * and viewport band have no snapshot yet today (in the shop's time zone),
 * so each band's heatmap is drawn over a layout of that band. A claim not
 * followed by an upload within the timeout passes to a later page view.
 */
export async function claimSnapshots(
  client: pg.PoolClient,
  shop: IngestShop,
  batch: ValidBatch,
  newPageIds: Set<string>,
  receivedAt: Date,
): Promise<string[]> {
  // Only page views this batch created may take a slot, and one candidate
  // per slot: ON CONFLICT may touch a row only once per statement.
  const candidates = new Map(
    batch.pages
      .filter((page) => newPageIds.has(page.id))
      .map((page) => {
        const band = bandOf(page.viewportWidth).id;
        return [`${page.device} ${band} ${page.path}`, { ...page, band }];
      }),
  );
  if (candidates.size === 0) return [];
  // Most batches come after the day's slot is taken. A plain read skips
  // them, because the upsert below locks the slot's row until the batch
  // commits, and every batch of a busy page would wait on the others.
  const requested = [...candidates.values()];
  const occupied = await client.query<{ key: string }>(
    `SELECT s.device || ' ' || s.band || ' ' || s.path AS key
     FROM unnest($4::text[], $5::text[], $6::text[]) AS c(path, device, band)
     JOIN "PageSnapshot" s ON s."shopId" = $1 AND s.path = c.path
       AND s.device = c.device AND s.band = c.band
       AND s.day = ($2::timestamptz AT TIME ZONE $3)::date
     WHERE s."byteSize" > 0
        OR s."createdAt" >= $2::timestamptz - interval '${SNAPSHOT_CLAIM_TIMEOUT}'`,
    [
      shop.id,
      receivedAt,
      shop.timezone,
      requested.map((page) => page.path),
      requested.map((page) => page.device),
      requested.map((page) => page.band),
    ],
  );
  for (const row of occupied.rows) candidates.delete(row.key);
  const pages = [...candidates.values()];
  if (pages.length === 0) return [];
  const claimed = await client.query<{ pageViewId: string }>(
    `INSERT INTO "PageSnapshot"
       ("shopId", id, path, device, band, day, "pageViewId", "viewportWidth",
        "viewportHeight", "documentHeight", data, "byteSize", "createdAt")
     SELECT $1, gen_random_uuid()::text, page.path, page.device, page.band,
            ($2::timestamptz AT TIME ZONE $3)::date, page.id, page.vw,
            page.vh, 0, ''::bytea, 0, $2
     FROM unnest($4::uuid[], $5::text[], $6::text[], $7::int[], $8::int[],
                 $9::text[])
       AS page(id, path, device, vw, vh, band)
     ON CONFLICT ("shopId", path, device, band, day) DO UPDATE SET
       "pageViewId" = EXCLUDED."pageViewId",
       "viewportWidth" = EXCLUDED."viewportWidth",
       "viewportHeight" = EXCLUDED."viewportHeight",
       "createdAt" = EXCLUDED."createdAt"
     WHERE "PageSnapshot"."byteSize" = 0
       AND "PageSnapshot"."createdAt" < $2::timestamptz - interval '${SNAPSHOT_CLAIM_TIMEOUT}'
     RETURNING "pageViewId"`,
    [
      shop.id,
      receivedAt,
      shop.timezone,
      pages.map((page) => page.id),
      pages.map((page) => page.path),
      pages.map((page) => page.device),
      pages.map((page) => page.viewportWidth),
      pages.map((page) => page.viewportHeight),
      pages.map((page) => page.band),
    ],
  );
  return claimed.rows.map((row) => row.pageViewId);
}
