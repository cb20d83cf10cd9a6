import type pg from "pg";
import { quoteIdentifier } from "./event-partitions.server";

// Jobs that read InteractionEvent rows some time after ingest wrote them.
// Retention drops a week partition, or deletes an expired row of DEFAULT,
// only once none of them still needs its rows. A job that reads raw events
// later than the request that stored them belongs in one of these lists.
//
// Uninstalled shops hold nothing back: their jobs no longer run, and their
// data goes with the shop's redaction.

/** A job that reads events in id order, up to a per-shop cursor. */
interface CursorReader {
  name: string;
  /** Table keyed by "shopId" whose "lastEventId" is the last id read. */
  table: string;
}

/** A job that reads every event of the sessions queued in a table. */
interface QueueReader {
  name: string;
  /** Table keyed by ("shopId", "sessionId"): one row per queued session. */
  table: string;
}

export const CURSOR_READERS: readonly CursorReader[] = [
  { name: "heatmap rollup", table: "HeatmapRollupCursor" },
  { name: "friction detectors", table: "FrictionCursor" },
];

export const QUEUE_READERS: readonly QueueReader[] = [
  // The rollup subtracts the rolled-up events of sessions flagged as bots.
  { name: "heatmap bot removal", table: "HeatmapBotSession" },
  // Form abandonment, U-turns and hovers read a visit's events once it ends.
  { name: "friction ended visits", table: "FrictionPendingVisit" },
];

/** An installed shop with rows in a partition that a reader still needs. */
export interface BehindReader {
  reader: string;
  shopId: string;
  /** Highest id among the rows still needed. */
  eventId: string;
  /** Last id the reader has read, for readers that keep a cursor. */
  cursor: string | null;
  /** Sessions with rows in the partition, for readers that queue sessions. */
  sessions: number | null;
}

/**
 * Lists, reader by reader and shop by shop, the rows of `partition` that
 * some reader still needs. Cursor readers cost one backward probe of the
 * partition's primary key ("shopId", id, ...) per installed shop, and
 * queue readers one probe of ("shopId", "sessionId") per queued session.
 */
export async function readersBehind(
  client: pg.PoolClient | pg.Pool,
  partition: string,
): Promise<BehindReader[]> {
  const events = quoteIdentifier(partition);
  const cursors = await client.query<BehindReader>(
    `SELECT r.name AS reader, s.id AS "shopId",
            newest.id::text AS "eventId",
            COALESCE(r.last, 0)::text AS cursor, NULL::int AS sessions
     FROM "Shop" s
     CROSS JOIN LATERAL (
       SELECT max(e.id) AS id FROM ${events} e WHERE e."shopId" = s.id
     ) newest
     CROSS JOIN LATERAL (VALUES ${CURSOR_READERS.map(
       (reader, index) =>
         `($${index + 1}::text, (SELECT c."lastEventId"
            FROM ${quoteIdentifier(reader.table)} c
            WHERE c."shopId" = s.id))`,
     ).join(", ")}) AS r(name, last)
     WHERE s."uninstalledAt" IS NULL
       AND newest.id > COALESCE(r.last, 0)
     ORDER BY r.name, s.id`,
    CURSOR_READERS.map((reader) => reader.name),
  );

  const behind = [...cursors.rows];
  for (const reader of QUEUE_READERS) {
    const queued = await client.query<BehindReader>(
      `SELECT $1::text AS reader, q."shopId",
              max(newest.id)::text AS "eventId", NULL AS cursor,
              count(*)::int AS sessions
       FROM ${quoteIdentifier(reader.table)} q
       JOIN "Shop" s ON s.id = q."shopId" AND s."uninstalledAt" IS NULL
       CROSS JOIN LATERAL (
         SELECT max(e.id) AS id FROM ${events} e
         WHERE e."shopId" = q."shopId" AND e."sessionId" = q."sessionId"
       ) newest
       WHERE newest.id IS NOT NULL
       GROUP BY q."shopId"
       ORDER BY q."shopId"`,
      [reader.name],
    );
    behind.push(...queued.rows);
  }
  return behind;
}

/**
 * Builds one SQL condition per reader, each true when that reader no longer
 * needs the event row aliased `row`, in the order of CURSOR_READERS then
 * QUEUE_READERS.
 */
export function readConditions(row: string): { reader: string; sql: string }[] {
  return [
    ...CURSOR_READERS.map((reader) => ({
      reader: reader.name,
      sql: `${row}.id <= COALESCE((SELECT c."lastEventId"
              FROM ${quoteIdentifier(reader.table)} c
              WHERE c."shopId" = ${row}."shopId"), 0)`,
    })),
    ...QUEUE_READERS.map((reader) => ({
      reader: reader.name,
      sql: `NOT EXISTS (SELECT 1 FROM ${quoteIdentifier(reader.table)} q
              WHERE q."shopId" = ${row}."shopId"
                AND q."sessionId" = ${row}."sessionId")`,
    })),
  ];
}
