import type pg from "pg";
import { catchUpHeatmapRollup } from "../../app/analytics/heatmap-rollup.server";
import { detectFriction } from "../../app/friction/detect-friction.server";
import { insertEvents, insertVisit } from "./heatmap-rows";

// Brings the jobs that read raw events up to date in retention tests. A
// run moves its cursor only to a settled horizon, and open transactions
// anywhere on the server can hold that back for a moment, so each helper
// runs its job until the cursor reaches the shop's last event.

const ATTEMPTS = 300;
const PAUSE_MS = 20;

/** Inserts one visit with one click for each date, and returns the visits. */
export async function insertClicks(
  pool: pg.Pool,
  shopId: string,
  dates: Date[],
): Promise<{ sessionId: string; pageViewId: string }[]> {
  const visits = [];
  for (const at of dates) {
    const visit = await insertVisit(pool, shopId, { at });
    await insertEvents(pool, shopId, visit, [{ at, selector: "#buy" }]);
    visits.push(visit);
  }
  return visits;
}

/** Lists the shop's event dates as YYYY-MM-DD, oldest first. */
export async function eventDays(pool: pg.Pool, shopId: string) {
  const result = await pool.query<{ day: string }>(
    `SELECT to_char("occurredAt", 'YYYY-MM-DD') AS day
     FROM "InteractionEvent" WHERE "shopId" = $1 ORDER BY "occurredAt"`,
    [shopId],
  );
  return result.rows.map((row) => row.day);
}

async function runUntilRead(
  pool: pg.Pool,
  shopId: string,
  cursorTable: "HeatmapRollupCursor" | "FrictionCursor",
  run: () => Promise<unknown>,
) {
  const last = await pool.query<{ id: string }>(
    `SELECT COALESCE(max(id), 0)::text AS id FROM "InteractionEvent"
     WHERE "shopId" = $1`,
    [shopId],
  );
  const target = BigInt(last.rows[0].id);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    await run();
    const cursor = await pool.query<{ last: string }>(
      `SELECT "lastEventId"::text AS last FROM "${cursorTable}"
       WHERE "shopId" = $1`,
      [shopId],
    );
    if (cursor.rows[0] && BigInt(cursor.rows[0].last) >= target) return;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  throw new Error(`${cursorTable} of ${shopId} did not reach event ${target}`);
}

/** Runs the shop's heatmap rollup until it has read every event. */
export async function rollUpAll(pool: pg.Pool, shopId: string) {
  await runUntilRead(pool, shopId, "HeatmapRollupCursor", () =>
    catchUpHeatmapRollup(pool, shopId),
  );
}

/**
 * Runs the shop's friction detectors until they have read every event.
 * Visits last seen within 30 minutes of `now` stay queued for the
 * ended-visit detectors.
 */
export async function catchUpFriction(
  pool: pg.Pool,
  shopId: string,
  now: Date = new Date(),
) {
  await runUntilRead(pool, shopId, "FrictionCursor", () =>
    detectFriction(pool, shopId, now),
  );
}

/** Brings every reader of the shop's raw events up to date. */
export async function readAll(pool: pg.Pool, shopId: string) {
  await rollUpAll(pool, shopId);
  await catchUpFriction(pool, shopId);
}
