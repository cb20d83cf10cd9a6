import type pg from "pg";
import type { DateRange } from "~/analytics/date-range.server";
import { RANGE_BOUNDS_SQL } from "~/analytics/date-range.server";

// Where each kind of signal happens: its pages and elements (with the
// detail the detector stored, such as an error message or a form), most
// sessions first, for the drill-down of the friction page.

export interface SignalPlace {
  kind: string;
  path: string;
  device: string;
  selector: string;
  /** Error message, form selector, or the page a U-turn returned to. */
  detail: string | null;
  signals: number;
  sessions: number;
}

/** Places listed per kind of signal. */
const MAX_PLACES_PER_KIND = 10;

export async function signalPlaces(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<SignalPlace[]> {
  const result = await pool.query<{
    kind: string;
    path: string;
    device: string;
    selector: string;
    detail: string | null;
    signals: string;
    sessions: string;
  }>(
    `SELECT kind, path, device, selector, detail, signals, sessions
     FROM (
       SELECT kind, path, device, selector, detail, count(*) AS signals,
              count(DISTINCT "sessionId") AS sessions,
              row_number() OVER (
                PARTITION BY kind
                ORDER BY count(DISTINCT "sessionId") DESC, count(*) DESC,
                         path, selector
              ) AS place
       FROM "FrictionSignal"
       WHERE "shopId" = $1
         AND "occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
         AND "occurredAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}
       GROUP BY kind, path, device, selector, detail
     ) ranked
     WHERE place <= ${MAX_PLACES_PER_KIND}
     ORDER BY kind, place`,
    [filter.shopId, filter.range.from, filter.range.to, filter.timezone],
  );
  return result.rows.map((row) => ({
    ...row,
    signals: Number(row.signals),
    sessions: Number(row.sessions),
  }));
}
