import type pg from "pg";

// Event ids come from a sequence and are handed out before their batch's
// transaction commits, so a batch still being written can hold an id below
// one that is already visible. A reader that moves its cursor past such an
// id skips that batch for good. A horizon is the highest id handed out at
// one moment plus a transaction id above every writer of this database
// that was open then: once no transaction of this database below it is
// open, each id up to the horizon is committed or never will be. Ingest
// writes its batch id before it takes event ids, so its transaction has a
// transaction id by then.
//
// The writers are read from pg_stat_activity, which lists each backend's
// transaction id, rather than from the snapshot. A snapshot's xmin and
// xmax span every database of the server, so a long transaction in
// another database held the horizon back. Its xmax is also not a bound on
// the ids assigned so far: PostgreSQL sets it one above the latest
// completed transaction, so a writer still open can hold an id at or
// above it.

/**
 * A running backend's transaction id as an xid8 (with its epoch), from
 * its 32-bit `a.backend_xid` and the snapshot's xmax `x.next`. Running ids
 * lie within 2^31 of the next id, so the nearest id with those low 32 bits
 * is the right one.
 */
const BACKEND_XID8 = `(x.next - (((x.next - a.backend_xid::text::numeric)
    % 4294967296 + 6442450944) % 4294967296 - 2147483648))`;

/** The snapshot's xmax as a number, for BACKEND_XID8. */
const NEXT_XID = `(SELECT pg_snapshot_xmax(pg_current_snapshot())::text::numeric
    AS next) x`;

export interface EventHorizon {
  /** Highest InteractionEvent id handed out when the horizon was taken. */
  eventId: string;
  /**
   * A transaction id above every writer of this database open at that
   * moment, an xid8 as a decimal string.
   */
  xid: string;
}

/** Longest wait for the transactions older than a new horizon to end. */
const SETTLE_WAIT_MS = 2000;
const SETTLE_POLL_MS = 20;

/**
 * Takes a horizon now and waits up to SETTLE_WAIT_MS for it to settle:
 * ingest transactions last milliseconds, so it nearly always does. Run it
 * outside any transaction that has written, because a caller's own open
 * transaction would keep the horizon from settling.
 */
export async function takeEventHorizon(
  pool: pg.Pool,
): Promise<EventHorizon & { settled: boolean }> {
  const horizon = await readEventHorizon(pool);
  const deadline = Date.now() + SETTLE_WAIT_MS;
  let settled = await isSettled(pool, horizon.xid);
  while (!settled && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    settled = await isSettled(pool, horizon.xid);
  }
  return { ...horizon, settled };
}

/** Reads a horizon now, without waiting for it to settle. */
export async function readEventHorizon(
  db: pg.Pool | pg.PoolClient,
): Promise<EventHorizon> {
  // The id first, then the writers: every transaction holding an id up to
  // `eventId` has then ended or has a transaction id below `xid`.
  const sequence = await db.query<{ last: string }>(
    `SELECT CASE WHEN is_called THEN last_value ELSE 0 END::text AS last
     FROM "InteractionEvent_id_seq"`,
  );
  return { eventId: sequence.rows[0].last, xid: await xidAboveWriters(db) };
}

/**
 * Returns a transaction id (xid8, as a decimal string) above every writer
 * of this database that is open now.
 */
async function xidAboveWriters(db: pg.Pool | pg.PoolClient): Promise<string> {
  const result = await db.query<{ xid: string }>(
    `SELECT GREATEST(x.next, COALESCE(max(${BACKEND_XID8}) + 1, 0))::text AS xid
     FROM ${NEXT_XID}
     LEFT JOIN pg_stat_activity a
       ON a.datname = current_database() AND a.backend_xid IS NOT NULL
     GROUP BY x.next`,
  );
  return result.rows[0].xid;
}

/**
 * Builds an SQL condition that is true when no transaction of this
 * database below `xid`, an SQL expression of a numeric xid8, is open.
 */
export function settledCondition(xid: string): string {
  return `NOT EXISTS (
    SELECT 1 FROM pg_stat_activity a, ${NEXT_XID}
    WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL
      AND ${BACKEND_XID8} < ${xid})`;
}

/**
 * Tells whether every transaction of this database below `xid` has ended.
 */
export async function isSettled(pool: pg.Pool, xid: string): Promise<boolean> {
  const result = await pool.query<{ settled: boolean }>(
    `SELECT ${settledCondition("$1::numeric")} AS settled`,
    [xid],
  );
  return result.rows[0].settled;
}
