import type pg from "pg";
import {
  HEATMAP_EVENTS_SQL,
  HEATMAP_EVENT_FILTER_SQL,
  HEATMAP_MEASURES_SQL,
  SUBTRACT_GONE_SQL,
  heatmapKeySql,
} from "./heatmap-cell-sql";
import { heatmapLockKey } from "./heatmap-rollup.server";

interface CellKey {
  path: string;
  kind: string;
  device: string;
  band: string;
  day: string;
  selector: string;
  fixed: boolean;
  cellX: number;
  cellY: number;
}

/**
 * Takes the events of visits about to be deleted out of the shop's heatmap
 * cells, so no count or position sum derived from them remains. Call it
 * inside the transaction that deletes the events, before deleting them.
 *
 * It holds the rollup's lock until that transaction ends: a run in
 * progress could otherwise add the same events from its older snapshot
 * after they were taken out. Returns the number of events taken out.
 */
export async function removeVisitsFromHeatmaps(
  client: pg.PoolClient,
  shopId: string,
  sessionIds: string[],
): Promise<number> {
  if (sessionIds.length === 0) return 0;
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    heatmapLockKey(shopId),
  ]);
  const cursor = await client.query<{ lastEventId: string; zone: string }>(
    `SELECT c."lastEventId", COALESCE(c.timezone, s.timezone) AS zone
     FROM "HeatmapRollupCursor" c JOIN "Shop" s ON s.id = c."shopId"
     WHERE c."shopId" = $1`,
    [shopId],
  );
  // Events past the cursor are in no cell yet. Reads take them from the
  // raw table, where they are about to be deleted.
  if (cursor.rows.length === 0) return 0;
  const { lastEventId, zone } = cursor.rows[0];

  // A bot visit's events are in the cells only while its mark waits for
  // the next run to take them out.
  const changed = await client.query<CellKey & { events: number }>(
    `WITH gone AS (
       SELECT ${heatmapKeySql("$2")}, ${HEATMAP_MEASURES_SQL}
       FROM ${HEATMAP_EVENTS_SQL}
       WHERE e."shopId" = $1 AND e."sessionId" = ANY($3::uuid[])
         AND e.id <= $4 AND ${HEATMAP_EVENT_FILTER_SQL}
         AND (NOT s."isBot" OR EXISTS (
           SELECT 1 FROM "HeatmapBotSession" b
           WHERE b."shopId" = e."shopId" AND b."sessionId" = e."sessionId"))
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
     )
     ${SUBTRACT_GONE_SQL}
     RETURNING c.path, c.kind, c.device, c.band, to_char(c.day, 'YYYY-MM-DD') AS day,
       c.selector, c.fixed, c."cellX", c."cellY", g.events`,
    [shopId, zone, sessionIds, lastEventId],
  );
  await client.query(
    `DELETE FROM "HeatmapBotSession"
     WHERE "shopId" = $1 AND "sessionId" = ANY($2::uuid[])`,
    [shopId, sessionIds],
  );
  await deleteEmptyCells(client, shopId, changed.rows);
  return changed.rows.reduce((sum, row) => sum + row.events, 0);
}

/**
 * Deletes the changed cells that count nothing now, so that not even the
 * rounding left in their position sums stays behind.
 */
async function deleteEmptyCells(
  client: pg.PoolClient,
  shopId: string,
  cells: CellKey[],
): Promise<void> {
  if (cells.length === 0) return;
  await client.query(
    `DELETE FROM "HeatmapCell" c
     USING json_to_recordset($2::json) AS k(path text, kind text,
       device text, band text, day date, selector text, fixed boolean,
       "cellX" smallint, "cellY" smallint)
     WHERE c."shopId" = $1 AND c.path = k.path AND c.kind = k.kind
       AND c.device = k.device AND c.band = k.band AND c.day = k.day
       AND c.selector = k.selector AND c.fixed = k.fixed
       AND c."cellX" = k."cellX" AND c."cellY" = k."cellY"
       AND c.events <= 0`,
    [shopId, JSON.stringify(cells)],
  );
}
