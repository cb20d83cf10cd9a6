import type pg from "pg";
import type { DateRange } from "./date-range.server";
import { RANGE_BOUNDS_SQL } from "./date-range.server";

/** Clicks on one element at one offset inside its box, rounded to 0.01. */
export interface ClickGroup {
  selector: string;
  fixed: boolean;
  offsetX: number;
  offsetY: number;
  clicks: number;
  /** Mean raw page coordinates, used when the selector is not in the snapshot. */
  x: number;
  y: number;
}

/** Caps the rows sent to the browser; groups are sorted by clicks first. */
const MAX_GROUPS = 20_000;

export async function clickGroups(
  pool: pg.Pool,
  filter: {
    shopId: string;
    timezone: string;
    path: string;
    device: string;
    range: DateRange;
  },
): Promise<ClickGroup[]> {
  const result = await pool.query<{
    selector: string;
    fixed: boolean | null;
    offset_x: number;
    offset_y: number;
    clicks: string;
    x: number;
    y: number;
  }>(
    `SELECT e.selector, e.fixed,
            round(e."offsetX"::numeric, 2)::float8 AS offset_x,
            round(e."offsetY"::numeric, 2)::float8 AS offset_y,
            count(*) AS clicks, avg(e.x) AS x, avg(e.y) AS y
     FROM "InteractionEvent" e
     JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
     WHERE e."shopId" = $1 AND e.path = $2 AND e.device = $3
       AND e.type = 'click'
       AND e."occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$4", "$6")}
       AND e."occurredAt" < ${RANGE_BOUNDS_SQL.upper("$5", "$6")}
       AND NOT s."isBot"
     GROUP BY 1, 2, 3, 4
     ORDER BY clicks DESC
     LIMIT ${MAX_GROUPS}`,
    [
      filter.shopId,
      filter.path,
      filter.device,
      filter.range.from,
      filter.range.to,
      filter.timezone,
    ],
  );
  return result.rows.map((row) => ({
    selector: row.selector,
    fixed: row.fixed ?? false,
    offsetX: row.offset_x,
    offsetY: row.offset_y,
    clicks: Number(row.clicks),
    x: row.x,
    y: row.y,
  }));
}
