import type pg from "pg";
import type { ClickGroup } from "./click-groups.server";
import { RANGE_BOUNDS_SQL } from "./date-range.server";
import { cellSql } from "./heatmap-cell-sql";
import type { PageMapFilter } from "./heatmap-filter";
import { pageMapParams } from "./heatmap-filter";

export type SignalKindOnMap = "rage-click" | "dead-click";

const MAX_SIGNAL_GROUPS = 5_000;

/**
 * Rage-click or dead-click signals of one page, device class and viewport
 * band, grouped like clicks so the click heatmap can draw them. A signal
 * takes the band of its page view's viewport.
 */
export async function signalGroups(
  pool: pg.Pool,
  filter: PageMapFilter & { kind: SignalKindOnMap },
): Promise<ClickGroup[]> {
  const result = await pool.query<ClickGroup>(
    `SELECT f.selector, f.fixed,
            avg(f."offsetX") AS "offsetX", avg(f."offsetY") AS "offsetY",
            count(*)::int AS clicks, avg(f.x) AS x, avg(f.y) AS y
     FROM "FrictionSignal" f
     JOIN "PageView" pv ON pv."shopId" = f."shopId" AND pv.id = f."pageViewId"
     WHERE f."shopId" = $1 AND f.path = $2 AND f.device = $3 AND f.kind = $9
       AND f."occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$4", "$6")}
       AND f."occurredAt" < ${RANGE_BOUNDS_SQL.upper("$5", "$6")}
       AND pv."viewportWidth" >= $7 AND pv."viewportWidth" <= $8
       AND f.x IS NOT NULL AND f.y IS NOT NULL
       AND f."offsetX" IS NOT NULL AND f."offsetY" IS NOT NULL
     GROUP BY f.selector, f.fixed, ${cellSql('f."offsetX"')},
              ${cellSql('f."offsetY"')}
     ORDER BY clicks DESC, f.selector
     LIMIT ${MAX_SIGNAL_GROUPS}`,
    [...pageMapParams(filter), filter.kind],
  );
  return result.rows;
}
