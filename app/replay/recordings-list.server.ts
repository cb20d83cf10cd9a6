import type pg from "pg";
import { z } from "zod";
import {
  RANGE_BOUNDS_SQL,
  parseDateRange,
  type DateRange,
} from "~/analytics/date-range.server";
import {
  encodeRecordingCursor,
  type PageRequest,
  type RecordingCursor,
} from "./recordings-cursor.server";
import {
  FRICTION_SIGNALS,
  recordingFilterParam,
  type RecordingFilters,
} from "./recordings-url";

/** Rows per page of the list; the newest recordings come first. */
export const RECORDINGS_PAGE_SIZE = 100;

/** One page of the list, with cursors to the pages around it. */
export interface RecordingPage {
  rows: RecordingListRow[];
  /** Recordings matching the filters, on every page. */
  total: number;
  /** Place of the page's first row among them, counting from 1. */
  firstPosition: number;
  /** Cursor of the older rows (`after`), or null on the last page. */
  next: string | null;
  /** Cursor of the newer rows (`before`), or null on the first page. */
  previous: string | null;
  /**
   * True when a page comes before this one. Set with a null `previous` on
   * an empty page past the end, which links back to the first page.
   */
  hasPrevious: boolean;
}

export interface RecordingListRow {
  sessionId: string;
  startedAt: Date;
  durationMs: number;
  device: string;
  landingPath: string | null;
  pages: number;
  rageClicks: number;
  deadClicks: number;
  /** Net order revenue, as a decimal string in shop currency. */
  revenue: string;
  addedToCart: boolean;
  reason: string;
  stoppedReason: string | null;
}

const optionalNumber = z.coerce.number().finite().min(0).optional();

const filterSchema = z.object({
  device: z.enum(["mobile", "tablet", "desktop"]).optional(),
  path: z.string().min(1).max(2048).optional(),
  selector: z.string().min(1).max(1024).optional(),
  signal: z.enum(FRICTION_SIGNALS).optional(),
  minDurationSeconds: optionalNumber,
  minRevenue: optionalNumber,
  cartAbandoned: z.literal("1").optional(),
});

export interface ParsedRecordingFilters {
  range: DateRange;
  filters: RecordingFilters;
}

/**
 * Reads the list's filters from the query string. An invalid value is
 * dropped, so a stale or hand-edited link still shows recordings.
 */
export function parseRecordingFilters(
  params: URLSearchParams,
  timeZone: string,
): ParsedRecordingFilters {
  const range = parseDateRange(params, timeZone);
  const filters: RecordingFilters = { from: range.from, to: range.to };
  const names = Object.keys(
    filterSchema.shape,
  ) as (keyof typeof filterSchema.shape)[];
  for (const name of names) {
    const raw = params.get(recordingFilterParam(name));
    if (raw === null || raw === "") continue;
    const parsed = filterSchema.shape[name].safeParse(raw);
    if (!parsed.success) continue;
    if (name === "cartAbandoned") filters.cartAbandoned = true;
    else Object.assign(filters, { [name]: parsed.data });
  }
  return { range, filters };
}

type ListOptions = {
  shopId: string;
  timezone: string;
} & ParsedRecordingFilters;

/** Net order revenue of the recorded session `r`. */
const REVENUE_JOIN_SQL = `LEFT JOIN LATERAL (
       SELECT count(*) AS orders,
              sum(o."totalPrice" - LEAST(o."totalPrice", COALESCE((
                SELECT sum(x.amount) FROM "OrderRefund" x
                WHERE x."shopId" = o."shopId" AND x."orderId" = o.id
                  AND NOT x.test), 0))) AS net
       FROM "Order" o
       WHERE o."shopId" = r."shopId" AND o."sessionId" = r."sessionId"
         AND o."cancelledAt" IS NULL AND NOT o.test
     ) revenue ON true`;

/** Whether the recorded session `r` added a product to the cart. */
const CART_JOIN_SQL = `CROSS JOIN LATERAL (
       SELECT EXISTS (SELECT 1 FROM "StorefrontEvent" s
         WHERE s."shopId" = r."shopId" AND s."sessionId" = r."sessionId"
           AND s.name = 'product_added_to_cart') AS added
     ) cart`;

/**
 * Builds the WHERE conditions of the shop, the date range and every
 * filter. Query values are appended to `values`, the first four being the
 * shop, the first and last day and the time zone.
 */
function filterConditions(options: ListOptions, values: unknown[]): string[] {
  const { filters } = options;
  values.push(
    options.shopId,
    options.range.from,
    options.range.to,
    options.timezone,
  );
  const add = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const conditions = [
    `r."shopId" = $1`,
    `r."startedAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}`,
    `r."startedAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}`,
  ];
  if (filters.device) conditions.push(`v.device = ${add(filters.device)}`);
  if (filters.path) {
    conditions.push(`EXISTS (SELECT 1 FROM "PageView" p
      WHERE p."shopId" = r."shopId" AND p."sessionId" = r."sessionId"
        AND p.path = ${add(filters.path)})`);
  }
  if (filters.signal) {
    const selector = filters.selector
      ? `AND f.selector = ${add(filters.selector)}`
      : "";
    conditions.push(`EXISTS (SELECT 1 FROM "FrictionSignal" f
      WHERE f."shopId" = r."shopId" AND f."sessionId" = r."sessionId"
        AND f.kind = ${add(filters.signal)} ${selector})`);
  } else if (filters.selector) {
    conditions.push(`EXISTS (SELECT 1 FROM "InteractionEvent" e
      WHERE e."shopId" = r."shopId" AND e."sessionId" = r."sessionId"
        AND e.type = 'click' AND e.selector = ${add(filters.selector)})`);
  }
  if (filters.minDurationSeconds !== undefined) {
    conditions.push(
      `r."endedAt" - r."startedAt" >= make_interval(secs => ${add(filters.minDurationSeconds)})`,
    );
  }
  if (filters.minRevenue !== undefined) {
    conditions.push(`COALESCE(revenue.net, 0) >= ${add(filters.minRevenue)}`);
  }
  if (filters.cartAbandoned) {
    conditions.push(`cart.added AND COALESCE(revenue.orders, 0) = 0`);
  }
  return conditions;
}

/**
 * Condition for rows older (`after`) or newer (`before`) than a row key.
 * It repeats the start time bound on its own, so the (shopId, startedAt)
 * index bounds the scan.
 */
function keysetCondition(page: PageRequest, values: unknown[]): string {
  values.push(page.cursor.startedAt.toISOString(), page.cursor.sessionId);
  const at = `$${values.length - 1}::timestamp`;
  const id = `$${values.length}::uuid`;
  const [wide, strict] = page.direction === "after" ? ["<=", "<"] : [">=", ">"];
  return `r."startedAt" ${wide} ${at}
    AND (r."startedAt" ${strict} ${at} OR r."sessionId" ${strict} ${id})`;
}

async function pageRows(
  pool: pg.Pool,
  options: ListOptions,
  page: PageRequest | null,
  size: number,
): Promise<RecordingListRow[]> {
  const values: unknown[] = [];
  const conditions = filterConditions(options, values);
  if (page) conditions.push(keysetCondition(page, values));
  // A page of newer rows reads upwards from the cursor and is turned
  // around below.
  const order = page?.direction === "before" ? "ASC" : "DESC";
  const result = await pool.query<
    Omit<RecordingListRow, "durationMs"> & { durationMs: string }
  >(
    `SELECT r."sessionId", r."startedAt", r.reason, r."stoppedReason",
       (extract(epoch FROM r."endedAt" - r."startedAt") * 1000)::bigint::text
         AS "durationMs",
       v.device, v."landingPath",
       (SELECT count(*) FROM "PageView" p
        WHERE p."shopId" = r."shopId" AND p."sessionId" = r."sessionId")::int
         AS pages,
       (SELECT count(*) FROM "FrictionSignal" f
        WHERE f."shopId" = r."shopId" AND f."sessionId" = r."sessionId"
          AND f.kind = 'rage-click')::int AS "rageClicks",
       (SELECT count(*) FROM "FrictionSignal" f
        WHERE f."shopId" = r."shopId" AND f."sessionId" = r."sessionId"
          AND f.kind = 'dead-click')::int AS "deadClicks",
       COALESCE(revenue.net, 0)::text AS revenue,
       cart.added AS "addedToCart"
     FROM "Recording" r
     JOIN "VisitorSession" v ON v."shopId" = r."shopId" AND v.id = r."sessionId"
     ${REVENUE_JOIN_SQL}
     ${CART_JOIN_SQL}
     WHERE ${conditions.join("\n       AND ")}
     ORDER BY r."startedAt" ${order}, r."sessionId" ${order}
     LIMIT ${size}`,
    values,
  );
  const rows = result.rows.map((row) => ({
    ...row,
    durationMs: Number(row.durationMs),
  }));
  return order === "ASC" ? rows.reverse() : rows;
}

/**
 * Counts the matching recordings, and those newer than `first` (the first
 * row shown), for the page's place in the list.
 */
async function countRows(
  pool: pg.Pool,
  options: ListOptions,
  first: RecordingCursor | null,
): Promise<{ total: number; newer: number }> {
  const values: unknown[] = [];
  const conditions = filterConditions(options, values);
  const { filters } = options;
  const needsRevenue =
    filters.minRevenue !== undefined || filters.cartAbandoned === true;
  const newer = first
    ? keysetCondition({ direction: "before", cursor: first }, values)
    : "false";
  const result = await pool.query<{ total: number; newer: number }>(
    `SELECT count(*)::int AS total,
       (count(*) FILTER (WHERE ${newer}))::int AS newer
     FROM "Recording" r
     JOIN "VisitorSession" v ON v."shopId" = r."shopId" AND v.id = r."sessionId"
     ${needsRevenue ? REVENUE_JOIN_SQL : ""}
     ${filters.cartAbandoned ? CART_JOIN_SQL : ""}
     WHERE ${conditions.join("\n       AND ")}`,
    values,
  );
  return result.rows[0];
}

/**
 * Lists one page of a shop's recordings in a date range that match every
 * filter: the first page without `page`, else the rows older or newer
 * than its cursor.
 */
export async function listRecordings(
  pool: pg.Pool,
  options: ListOptions,
  page: PageRequest | null = null,
  size = RECORDINGS_PAGE_SIZE,
): Promise<RecordingPage> {
  const rows = await pageRows(pool, options, page, size);
  if (rows.length === 0) {
    // A cursor past either end, such as one whose rows were deleted.
    const { total } = await countRows(pool, options, null);
    return {
      rows,
      total,
      firstPosition: 0,
      next: null,
      previous: null,
      hasPrevious: page !== null,
    };
  }
  const { total, newer } = await countRows(pool, options, rows[0]);
  return {
    rows,
    total,
    firstPosition: newer + 1,
    next:
      newer + rows.length < total ? encodeRecordingCursor(rows.at(-1)!) : null,
    previous: newer > 0 ? encodeRecordingCursor(rows[0]) : null,
    hasPrevious: newer > 0,
  };
}
