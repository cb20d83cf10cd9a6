import type pg from "pg";
import { z } from "zod";
import {
  RANGE_BOUNDS_SQL,
  parseDateRange,
  type DateRange,
} from "~/analytics/date-range.server";
import {
  FRICTION_SIGNALS,
  recordingFilterParam,
  type RecordingFilters,
} from "./recordings-url";

/** Rows per page of the list; the newest recordings come first. */
export const RECORDINGS_PAGE_SIZE = 100;

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

/** Lists a shop's recordings in a date range that match every filter. */
export async function listRecordings(
  pool: pg.Pool,
  options: { shopId: string; timezone: string } & ParsedRecordingFilters,
): Promise<RecordingListRow[]> {
  const { filters } = options;
  const values: unknown[] = [
    options.shopId,
    options.range.from,
    options.range.to,
    options.timezone,
  ];
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
     LEFT JOIN LATERAL (
       SELECT count(*) AS orders,
              sum(o."totalPrice" - LEAST(o."totalPrice", COALESCE((
                SELECT sum(x.amount) FROM "OrderRefund" x
                WHERE x."shopId" = o."shopId" AND x."orderId" = o.id
                  AND NOT x.test), 0))) AS net
       FROM "Order" o
       WHERE o."shopId" = r."shopId" AND o."sessionId" = r."sessionId"
         AND o."cancelledAt" IS NULL AND NOT o.test
     ) revenue ON true
     CROSS JOIN LATERAL (
       SELECT EXISTS (SELECT 1 FROM "StorefrontEvent" s
         WHERE s."shopId" = r."shopId" AND s."sessionId" = r."sessionId"
           AND s.name = 'product_added_to_cart') AS added
     ) cart
     WHERE ${conditions.join("\n       AND ")}
     ORDER BY r."startedAt" DESC
     LIMIT ${RECORDINGS_PAGE_SIZE}`,
    values,
  );
  return result.rows.map((row) => ({
    ...row,
    durationMs: Number(row.durationMs),
  }));
}
