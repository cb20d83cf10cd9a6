import { promisify } from "node:util";
import zlib from "node:zlib";
import type pg from "pg";

const gunzip = promisify(zlib.gunzip);

export interface PageSnapshotData {
  day: string;
  viewportWidth: number;
  viewportHeight: number;
  documentHeight: number;
  /** rrweb-snapshot serialized document. */
  node: Record<string, unknown>;
}

/**
 * Returns the newest uploaded snapshot of a path for a device class and
 * viewport band, if any. Snapshots of other bands are never used: their
 * layout would put elements elsewhere.
 */
export async function latestPageSnapshot(
  pool: pg.Pool,
  filter: { shopId: string; path: string; device: string; band: string },
): Promise<PageSnapshotData | null> {
  const result = await pool.query<{
    day: string;
    viewportWidth: number;
    viewportHeight: number;
    documentHeight: number;
    data: Buffer;
  }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, "viewportWidth",
            "viewportHeight", "documentHeight", data
     FROM "PageSnapshot"
     WHERE "shopId" = $1 AND path = $2 AND device = $3 AND band = $4
       AND "byteSize" > 0
     ORDER BY day DESC
     LIMIT 1`,
    [filter.shopId, filter.path, filter.device, filter.band],
  );
  const row = result.rows[0];
  if (!row) return null;
  const node = JSON.parse((await gunzip(row.data)).toString("utf8"));
  return {
    day: row.day,
    viewportWidth: row.viewportWidth,
    viewportHeight: row.viewportHeight,
    documentHeight: row.documentHeight,
    node,
  };
}
