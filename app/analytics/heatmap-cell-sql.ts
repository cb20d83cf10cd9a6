import { bandIdSql } from "./viewport-bands";

// SQL shared by the heatmap rollup and the reads that add the events the
// rollup has not reached yet, so both place an event in the same cell.

/**
 * Cells per axis of the grid laid over an element's box. 20 keeps a day of
 * one element at most 400 rows; the mean offset stored per cell places
 * points finer than the grid, so a wide banner does not look blocky.
 */
export const HEATMAP_OFFSET_CELLS = 20;

/** Event types the rollup counts. */
export const HEATMAP_KINDS = ["click", "move"] as const;
export type HeatmapKind = (typeof HEATMAP_KINDS)[number];

/** Cell index of an offset column (0..1 inside the element box). */
export function cellSql(offsetColumn: string): string {
  const last = HEATMAP_OFFSET_CELLS - 1;
  return `GREATEST(0, LEAST(${last}, floor(${offsetColumn} * ${HEATMAP_OFFSET_CELLS})))::smallint`;
}

/**
 * Rollup key and measures of `InteractionEvent e` for a GROUP BY: shop
 * day (time zone in `zoneParam`), band, element and cell.
 */
export function heatmapKeySql(zoneParam: string): string {
  return `e.path, e.type AS kind, e.device,
          ${bandIdSql('e."viewportWidth"')} AS band,
          (e."occurredAt" AT TIME ZONE 'UTC' AT TIME ZONE ${zoneParam})::date AS day,
          e.selector, COALESCE(e.fixed, false) AS fixed,
          ${cellSql('e."offsetX"')} AS "cellX", ${cellSql('e."offsetY"')} AS "cellY"`;
}

export const HEATMAP_MEASURES_SQL = `count(*)::int AS events,
          sum(e.x) AS "sumX", sum(e.y) AS "sumY",
          sum(e."offsetX") AS "sumOffsetX", sum(e."offsetY") AS "sumOffsetY"`;

/** InteractionEvent `e` joined with its session `s`. */
export const HEATMAP_EVENTS_SQL = `"InteractionEvent" e
  JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"`;

/**
 * Events a heatmap counts: clicks and moves placed on an element. Callers
 * add `NOT s."isBot"` where they join the session.
 */
export const HEATMAP_EVENT_FILTER_SQL = `e.type IN ('click', 'move')
  AND e.selector IS NOT NULL AND e.x IS NOT NULL AND e.y IS NOT NULL
  AND e."offsetX" IS NOT NULL AND e."offsetY" IS NOT NULL`;

/**
 * Statement that subtracts the rows of a CTE `gone` (shaped like a cell
 * key and its measures, shop in $1) from the matching cells.
 */
export const SUBTRACT_GONE_SQL = `UPDATE "HeatmapCell" c SET events = c.events - g.events,
       "sumX" = c."sumX" - g."sumX", "sumY" = c."sumY" - g."sumY",
       "sumOffsetX" = c."sumOffsetX" - g."sumOffsetX",
       "sumOffsetY" = c."sumOffsetY" - g."sumOffsetY"
     FROM gone g
     WHERE c."shopId" = $1 AND c.path = g.path AND c.kind = g.kind
       AND c.device = g.device AND c.band = g.band AND c.day = g.day
       AND c.selector = g.selector AND c.fixed = g.fixed
       AND c."cellX" = g."cellX" AND c."cellY" = g."cellY"`;
