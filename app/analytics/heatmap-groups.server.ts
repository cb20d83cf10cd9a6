import type pg from "pg";
import type { ClickGroup, HeatmapFilter } from "./click-groups.server";
import { GROUPS_SQL, heatmapParams, rawCellsSql } from "./click-groups.server";
import { catchUpHeatmapRollup } from "./heatmap-rollup.server";

/**
 * Groups of a click or move heatmap, read from the daily rollup plus the
 * raw events past its cursor. Catches the rollup up first, so the raw part
 * stays small.
 */
export async function heatmapGroups(
  pool: pg.Pool,
  filter: HeatmapFilter,
): Promise<ClickGroup[]> {
  await catchUpHeatmapRollup(pool, filter.shopId);
  const client = await pool.connect();
  try {
    // One snapshot for the cursor and both reads, so an event is counted
    // once even if a rollup run commits in between. The cursor is passed
    // as a value, so the planner reads the raw part from the primary key
    // range instead of the whole date range.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const cursor = await client.query<{ last: string }>(
      `SELECT "lastEventId" AS last FROM "HeatmapRollupCursor"
       WHERE "shopId" = $1`,
      [filter.shopId],
    );
    const result = await client.query<ClickGroup>(
      `WITH cells AS (
         SELECT selector, fixed, "cellX", "cellY", events, "sumX", "sumY",
                "sumOffsetX", "sumOffsetY"
         FROM "HeatmapCell"
         WHERE "shopId" = $1 AND path = $2 AND device = $3 AND kind = $9
           AND band = $10 AND day >= $4::date AND day <= $5::date
         UNION ALL
         ${rawCellsSql("$11::bigint")}
       )
       ${GROUPS_SQL}`,
      [...heatmapParams(filter), filter.band.id, cursor.rows[0]?.last ?? "0"],
    );
    await client.query("COMMIT");
    return result.rows;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
