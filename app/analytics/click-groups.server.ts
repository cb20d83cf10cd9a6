import type pg from "pg";
import { RANGE_BOUNDS_SQL } from "./date-range.server";
import {
  HEATMAP_EVENTS_SQL,
  HEATMAP_EVENT_FILTER_SQL,
  cellSql,
} from "./heatmap-cell-sql";
import type { HeatmapKind } from "./heatmap-cell-sql";
import type { PageMapFilter } from "./heatmap-filter";
import { pageMapParams } from "./heatmap-filter";

/**
 * Clicks (or moves) on one element in one cell of the grid over its box,
 * placed at their mean offset inside the box.
 */
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

export interface HeatmapFilter extends PageMapFilter {
  kind: HeatmapKind;
}

/** Caps the rows sent to the browser; groups are sorted by clicks first. */
export const MAX_GROUPS = 20_000;

/**
 * Parameters of `rawCellsSql`: those of every page map, then the kind as
 * $9. The rollup read adds the band id as $10.
 */
export function heatmapParams(filter: HeatmapFilter) {
  return [...pageMapParams(filter), filter.kind];
}

/**
 * Raw events of a heatmap filter as rows shaped like HeatmapCell. With
 * `afterId`, only events past that id (an SQL expression).
 */
export function rawCellsSql(afterId?: string): string {
  return `SELECT e.selector, COALESCE(e.fixed, false) AS fixed,
            ${cellSql('e."offsetX"')} AS "cellX",
            ${cellSql('e."offsetY"')} AS "cellY",
            1 AS events, e.x AS "sumX", e.y AS "sumY",
            e."offsetX" AS "sumOffsetX", e."offsetY" AS "sumOffsetY"
     FROM ${HEATMAP_EVENTS_SQL}
     WHERE e."shopId" = $1 ${afterId ? `AND e.id > ${afterId}` : ""}
       AND e.path = $2 AND e.device = $3 AND e.type = $9
       AND e."viewportWidth" >= $7 AND e."viewportWidth" <= $8
       AND e."occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$4", "$6")}
       AND e."occurredAt" < ${RANGE_BOUNDS_SQL.upper("$5", "$6")}
       AND ${HEATMAP_EVENT_FILTER_SQL} AND NOT s."isBot"`;
}

/** Sums rows shaped like HeatmapCell from `cells` into ClickGroup rows. */
export const GROUPS_SQL = `SELECT selector, fixed,
         sum("sumOffsetX") / sum(events) AS "offsetX",
         sum("sumOffsetY") / sum(events) AS "offsetY",
         sum(events)::int AS clicks,
         sum("sumX") / sum(events) AS x, sum("sumY") / sum(events) AS y
  FROM cells
  GROUP BY selector, fixed, "cellX", "cellY"
  HAVING sum(events) > 0
  ORDER BY clicks DESC, selector, "cellY", "cellX"
  LIMIT ${MAX_GROUPS}`;

/**
 * The heatmap's groups computed from raw events alone: the baseline the
 * rollup is measured and checked against.
 */
export async function rawHeatmapGroups(
  pool: pg.Pool,
  filter: HeatmapFilter,
): Promise<ClickGroup[]> {
  const result = await pool.query<ClickGroup>(
    `WITH cells AS (${rawCellsSql()}) ${GROUPS_SQL}`,
    heatmapParams(filter),
  );
  return result.rows;
}
