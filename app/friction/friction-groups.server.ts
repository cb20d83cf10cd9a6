import type pg from "pg";
import type { ClickGroup } from "~/analytics/click-groups.server";
import type { DateRange } from "~/analytics/date-range.server";
import { RANGE_BOUNDS_SQL } from "~/analytics/date-range.server";

export type FrictionKindOnMap = "rage-click" | "dead-click";

/**
 * Friction signals of one page and device, grouped like clicks so the
 * click heatmap can draw them: the rage-click and dead-click maps.
 */
export async function frictionGroups(
  pool: pg.Pool,
  filter: {
    shopId: string;
    timezone: string;
    path: string;
    device: string;
    range: DateRange;
    kind: FrictionKindOnMap;
  },
): Promise<ClickGroup[]> {
  const result = await pool.query<{
    selector: string;
    fixed: boolean;
    offset_x: number;
    offset_y: number;
    clicks: string;
    x: number;
    y: number;
  }>(
    `SELECT selector, fixed,
            round("offsetX"::numeric, 2)::float8 AS offset_x,
            round("offsetY"::numeric, 2)::float8 AS offset_y,
            count(*) AS clicks, avg(x) AS x, avg(y) AS y
     FROM "FrictionSignal"
     WHERE "shopId" = $1 AND path = $2 AND device = $3 AND kind = $7
       AND "occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$4", "$6")}
       AND "occurredAt" < ${RANGE_BOUNDS_SQL.upper("$5", "$6")}
     GROUP BY 1, 2, 3, 4
     ORDER BY clicks DESC
     LIMIT 5000`,
    [
      filter.shopId,
      filter.path,
      filter.device,
      filter.range.from,
      filter.range.to,
      filter.timezone,
      filter.kind,
    ],
  );
  return result.rows.map((row) => ({
    selector: row.selector,
    fixed: row.fixed,
    offsetX: row.offset_x,
    offsetY: row.offset_y,
    clicks: Number(row.clicks),
    x: row.x,
    y: row.y,
  }));
}
