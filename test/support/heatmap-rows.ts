import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { HeatmapFilter } from "~/analytics/click-groups.server";
import { catchUpHeatmapRollup } from "~/analytics/heatmap-rollup.server";
import { bandOf } from "~/analytics/viewport-bands";

// Inserts visits and interaction events straight into the tables, in the
// shape the ingest writes them, for event kinds and volumes the tests need
// without going through POST /collect.

export interface EventRow {
  type?: "click" | "move";
  at: Date;
  path?: string;
  device?: "mobile" | "tablet" | "desktop";
  viewportWidth?: number;
  selector?: string;
  x?: number;
  y?: number;
  offsetX?: number;
  offsetY?: number;
  fixed?: boolean;
}

/** Inserts a visit and returns its session and page view ids. */
export async function insertVisit(
  pool: pg.Pool,
  shopId: string,
  options: {
    at: Date;
    isBot?: boolean;
    device?: string;
    viewportWidth?: number;
    path?: string;
  },
): Promise<{ sessionId: string; pageViewId: string }> {
  const sessionId = randomUUID();
  const pageViewId = randomUUID();
  await pool.query(
    `INSERT INTO "VisitorSession"
       ("shopId", id, "visitorId", "startedAt", "lastSeenAt", device, "isBot")
     VALUES ($1, $2, $3, $4, $4, $5, $6)`,
    [
      shopId,
      sessionId,
      randomUUID(),
      options.at,
      options.device ?? "desktop",
      options.isBot ?? false,
    ],
  );
  await pool.query(
    `INSERT INTO "PageView"
       ("shopId", id, "sessionId", path, "startedAt", "viewportWidth",
        "viewportHeight", device)
     VALUES ($1, $2, $3, $4, $5, $6, 900, $7)`,
    [
      shopId,
      pageViewId,
      sessionId,
      options.path ?? "/products/shirt",
      options.at,
      options.viewportWidth ?? 1440,
      options.device ?? "desktop",
    ],
  );
  return { sessionId, pageViewId };
}

/** Inserts events of one visit in one statement. */
export async function insertEvents(
  pool: pg.Pool,
  shopId: string,
  visit: { sessionId: string; pageViewId: string },
  rows: EventRow[],
): Promise<void> {
  await pool.query(
    `INSERT INTO "InteractionEvent"
       ("shopId", "pageViewId", "sessionId", type, "occurredAt", "clientAt",
        path, device, "viewportWidth", "viewportHeight", x, y, selector,
        "offsetX", "offsetY", fixed, "batchId")
     SELECT $1, $2, $3, r.type, r.at, r.at, r.path, r.device, r.vw, 900,
            r.x, r.y, r.selector, r.ox, r.oy, r.fixed, gen_random_uuid()
     FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::text[],
                 $8::int[], $9::float8[], $10::float8[], $11::text[],
                 $12::float8[], $13::float8[], $14::bool[])
       AS r(type, at, path, device, vw, x, y, selector, ox, oy, fixed)`,
    [
      shopId,
      visit.pageViewId,
      visit.sessionId,
      rows.map((row) => row.type ?? "click"),
      rows.map((row) => row.at),
      rows.map((row) => row.path ?? "/products/shirt"),
      rows.map((row) => row.device ?? "desktop"),
      rows.map((row) => row.viewportWidth ?? 1440),
      rows.map((row) => row.x ?? 700),
      rows.map((row) => row.y ?? 400),
      rows.map((row) => row.selector ?? "#add-to-cart"),
      rows.map((row) => row.offsetX ?? 0.5),
      rows.map((row) => row.offsetY ?? 0.5),
      rows.map((row) => row.fixed ?? false),
    ],
  );
}

/**
 * Runs the rollup until its cursor has passed every stored event: the
 * first run only takes a horizon, and transactions of other test files on
 * the same server can hold it back for a moment.
 */
export async function catchUpHeatmapFully(
  pool: pg.Pool,
  shopId: string,
): Promise<void> {
  const top = await pool.query<{ max: string | null }>(
    `SELECT max(id) AS max FROM "InteractionEvent"`,
  );
  const target = BigInt(top.rows[0].max ?? 0);
  for (let attempt = 0; attempt < 300; attempt++) {
    await catchUpHeatmapRollup(pool, shopId);
    const cursor = await pool.query<{ last: string }>(
      `SELECT "lastEventId" AS last FROM "HeatmapRollupCursor"
       WHERE "shopId" = $1`,
      [shopId],
    );
    if (cursor.rows[0] && BigInt(cursor.rows[0].last) >= target) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the heatmap rollup did not catch up within 6 s");
}

/** Builds a click map filter of a shirt page on wide desktops, in UTC. */
export function heatmapTestFilter(
  shopId: string,
  overrides: Partial<HeatmapFilter> & Pick<HeatmapFilter, "range">,
): HeatmapFilter {
  return {
    shopId,
    timezone: "UTC",
    path: "/products/shirt",
    device: "desktop",
    band: bandOf(1440),
    kind: "click",
    ...overrides,
  };
}
