import type pg from "pg";
import { logger } from "~/logger.server";
import {
  readEventHorizon,
  settledCondition,
} from "~/jobs/event-horizon.server";
import {
  HEATMAP_EVENTS_SQL,
  HEATMAP_EVENT_FILTER_SQL,
  HEATMAP_MEASURES_SQL,
  SUBTRACT_GONE_SQL,
  heatmapKeySql,
} from "./heatmap-cell-sql";

// Adds new clicks and moves to HeatmapCell, reading InteractionEvent in id
// order from a cursor.
//
// Ids come from a sequence and are handed out before their transaction
// commits, so a batch still being written can hold an id below one that is
// already visible. Moving the cursor past such an id would skip that batch
// for good. Each run therefore records a horizon: the highest id handed out
// so far and a transaction id above every writer open at that moment
// (app/jobs/event-horizon.server.ts). Once no transaction of this database
// below it is open, all ids up to the horizon are either committed or
// never will be, and the cursor may move up to it. Reads add the few events past the cursor from
// the raw table, so a heatmap is never behind.
//
// NOTE: this relies on the ingest transaction having a transaction id
// before it takes event ids. It does: it writes the batch id first.

/**
 * Widest id span one run reads, so a run on a long backlog stays short.
 * NOTE: a run's transaction writes, so its transaction id is below the
 * horizons taken while it runs, and they settle only after it ends. A 2M span takes minutes on a
 * busy two-core machine (see docs/benchmarks.md); lower it if that delay
 * matters.
 */
export const MAX_ID_SPAN_PER_RUN = 2_000_000;

export interface RollupRun {
  /** False when another run of the shop holds the lock. */
  ran: boolean;
  /** Events added to the rollup. */
  events: number;
  /** Bot sessions whose events were taken out again. */
  botSessions: number;
  /** True when settled events past the cursor are left for another run. */
  more: boolean;
}

/**
 * Advisory lock key of a shop's rollup. Code that changes the shop's cells
 * outside a run, such as a customer redaction, takes the same lock.
 */
export const heatmapLockKey = (shopId: string) => `heatmap-rollup ${shopId}`;
const lockKey = heatmapLockKey;

/**
 * Brings the shop's heatmap rollup up to date with settled events: takes
 * out events of sessions flagged as bots since, then adds events past the
 * cursor. An advisory lock serialises the runs of one shop. A run that
 * finds the lock taken returns at once, because the holder does the work.
 */
export async function catchUpHeatmapRollup(
  pool: pg.Pool,
  shopId: string,
  options: { maxIdSpan?: number } = {},
): Promise<RollupRun> {
  const client = await pool.connect();
  let locked = false;
  try {
    const lock = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`,
      [lockKey(shopId)],
    );
    locked = lock.rows[0].locked;
    if (!locked) return { ran: false, events: 0, botSessions: 0, more: false };
    const horizon = await readEventHorizon(client);
    // One snapshot for the whole run, taken after the lock: bot marks and
    // the events they cover are seen as of the same moment.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    // Lets a run over a long backlog group its events in memory.
    await client.query("SET LOCAL work_mem = '64MB'");
    try {
      const run = await rollUp(client, shopId, horizon, options);
      await client.query("COMMIT");
      return run;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  } finally {
    if (locked) {
      await client
        .query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [
          lockKey(shopId),
        ])
        .catch(() => {});
    }
    client.release();
  }
}

async function rollUp(
  client: pg.PoolClient,
  shopId: string,
  horizon: { eventId: string; xid: string },
  options: { maxIdSpan?: number },
): Promise<RollupRun> {
  const state = await client.query<{
    timezone: string;
    cellZone: string | null;
    lastEventId: string;
    horizonEventId: string | null;
    settled: boolean;
  }>(
    `WITH cursor AS (
       INSERT INTO "HeatmapRollupCursor" ("shopId", "lastEventId", "updatedAt")
       VALUES ($1, 0, now())
       ON CONFLICT ("shopId") DO UPDATE SET "shopId" = EXCLUDED."shopId"
       RETURNING *
     )
     SELECT shop.timezone, c.timezone AS "cellZone", c."lastEventId",
            c."horizonEventId",
            (c."horizonXid" IS NOT NULL
               AND ${settledCondition('c."horizonXid"::numeric')}) AS settled
     FROM cursor c JOIN "Shop" shop ON shop.id = c."shopId"`,
    [shopId],
  );
  if (state.rows.length === 0) {
    throw new Error(`shop ${shopId} not found: cannot roll up its heatmaps`);
  }
  const { timezone, cellZone, horizonEventId, settled } = state.rows[0];
  let { lastEventId } = state.rows[0];
  if (cellZone !== null && cellZone !== timezone) {
    lastEventId = await startOverInZone(client, shopId, cellZone, timezone);
  }
  const botSessions = await removeBotSessions(
    client,
    shopId,
    timezone,
    lastEventId,
  );

  const target =
    settled && horizonEventId !== null ? BigInt(horizonEventId) : null;
  const from = BigInt(lastEventId);
  const span = BigInt(options.maxIdSpan ?? MAX_ID_SPAN_PER_RUN);
  let events = 0;
  let upTo = from;
  if (target !== null && target > from) {
    upTo = target - from > span ? from + span : target;
    events = await addEvents(client, shopId, timezone, from, upTo);
  }

  // A new horizon once the old one is reached or when there was none, so
  // the next run can move on. An unsettled horizon stays until it settles.
  const reached =
    horizonEventId === null || (target !== null && upTo >= target);
  await client.query(
    `UPDATE "HeatmapRollupCursor" SET "lastEventId" = $2,
       "horizonEventId" = CASE WHEN $3 THEN $4::bigint ELSE "horizonEventId" END,
       "horizonXid" = CASE WHEN $3 THEN $5::bigint ELSE "horizonXid" END,
       timezone = $6, "updatedAt" = now()
     WHERE "shopId" = $1`,
    [shopId, upTo.toString(), reached, horizon.eventId, horizon.xid, timezone],
  );
  const more = target !== null && upTo < target;
  if (more) {
    // Progress of a long catch-up, such as a rebuild for a new time zone.
    logger.info(
      { shopId, events, cursor: upTo.toString(), horizon: target.toString() },
      "heatmap rollup has more events to add",
    );
  }
  return {
    ran: true,
    events,
    botSessions,
    more,
  };
}

/**
 * Removes the shop's cells and moves the cursor back to the start, because
 * cells hold shop-local days and a new time zone moves every boundary.
 * Later runs add the events again in the new zone, a span per run. Until
 * they finish, reads take the events past the cursor from the raw table,
 * so a heatmap stays complete but reads more slowly.
 */
async function startOverInZone(
  client: pg.PoolClient,
  shopId: string,
  from: string,
  to: string,
): Promise<string> {
  const removed = await client.query(
    `DELETE FROM "HeatmapCell" WHERE "shopId" = $1`,
    [shopId],
  );
  logger.info(
    { shopId, from, to, cells: removed.rowCount },
    "rebuilding heatmap cells in the shop's new time zone",
  );
  return "0";
}

async function addEvents(
  client: pg.PoolClient,
  shopId: string,
  timezone: string,
  after: bigint,
  upTo: bigint,
): Promise<number> {
  const result = await client.query<{ events: string | null }>(
    `WITH fresh AS (
       SELECT e."shopId", ${heatmapKeySql("$2")}, ${HEATMAP_MEASURES_SQL}
       FROM ${HEATMAP_EVENTS_SQL}
       WHERE e."shopId" = $1 AND e.id > $3 AND e.id <= $4
         AND ${HEATMAP_EVENT_FILTER_SQL} AND NOT s."isBot"
       GROUP BY e."shopId", 2, 3, 4, 5, 6, 7, 8, 9, 10
     ),
     written AS (
       INSERT INTO "HeatmapCell" AS c
         ("shopId", path, kind, device, band, day, selector, fixed, "cellX",
          "cellY", events, "sumX", "sumY", "sumOffsetX", "sumOffsetY")
       SELECT * FROM fresh
       ON CONFLICT ("shopId", path, kind, device, band, day, selector, fixed,
                    "cellX", "cellY")
       DO UPDATE SET events = c.events + EXCLUDED.events,
         "sumX" = c."sumX" + EXCLUDED."sumX",
         "sumY" = c."sumY" + EXCLUDED."sumY",
         "sumOffsetX" = c."sumOffsetX" + EXCLUDED."sumOffsetX",
         "sumOffsetY" = c."sumOffsetY" + EXCLUDED."sumOffsetY"
       RETURNING 1
     )
     SELECT (SELECT sum(events) FROM fresh) AS events`,
    [shopId, timezone, after.toString(), upTo.toString()],
  );
  return Number(result.rows[0]?.events ?? 0);
}

/**
 * Takes the rolled-up events of sessions flagged as bots out of the
 * rollup. Cells left at zero stay: reads skip them.
 */
async function removeBotSessions(
  client: pg.PoolClient,
  shopId: string,
  timezone: string,
  lastEventId: string,
): Promise<number> {
  const marks = await client.query<{ sessionId: string }>(
    `DELETE FROM "HeatmapBotSession" WHERE "shopId" = $1
     RETURNING "sessionId"`,
    [shopId],
  );
  if (marks.rows.length === 0) return 0;
  await client.query(
    `WITH gone AS (
       SELECT ${heatmapKeySql("$2")}, ${HEATMAP_MEASURES_SQL}
       FROM "InteractionEvent" e
       WHERE e."shopId" = $1 AND e."sessionId" = ANY($3::uuid[])
         AND e.id <= $4
         AND ${HEATMAP_EVENT_FILTER_SQL}
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
     )
     ${SUBTRACT_GONE_SQL}`,
    [shopId, timezone, marks.rows.map((row) => row.sessionId), lastEventId],
  );
  return marks.rows.length;
}
