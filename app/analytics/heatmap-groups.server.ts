import type pg from "pg";
import type { ClickGroup, HeatmapFilter } from "./click-groups.server";
import { GROUPS_SQL, heatmapParams, rawCellsSql } from "./click-groups.server";
import { catchUpHeatmapRollup } from "./heatmap-rollup.server";

/**
 * Groups of a click or move heatmap, read from the daily rollup plus the
 * raw events past its cursor. Catches the rollup up first, so the raw part
 * stays small. Cursor, rollup and raw events are read in one statement, so
 * an event is counted once even if a rollup run commits meanwhile.
 */
export async function heatmapGroups(
  pool: pg.Pool,
  filter: HeatmapFilter,
): Promise<ClickGroup[]> {
  await catchUpHeatmapRollup(pool, filter.shopId);
  const result = await pool.query<ClickGroup>(
    `WITH cursor AS (
       SELECT COALESCE(max("lastEventId"), 0) AS last
       FROM "HeatmapRollupCursor" WHERE "shopId" = $1
     ),
     cells AS (
       SELECT selector, fixed, "cellX", "cellY", events, "sumX", "sumY",
              "sumOffsetX", "sumOffsetY"
       FROM "HeatmapCell"
       WHERE "shopId" = $1 AND path = $2 AND device = $3 AND kind = $9
         AND band = $10 AND day >= $4::date AND day <= $5::date
       UNION ALL
       ${rawCellsSql("(SELECT last FROM cursor)")}
     )
     ${GROUPS_SQL}`,
    [...heatmapParams(filter), filter.band.id],
  );
  return result.rows;
}
