import type pg from "pg";

// Event ids come from a sequence and are handed out before their batch's
// transaction commits, so a batch still being written can hold an id below
// one that is already visible. A reader that moves its cursor past such an
// id skips that batch for good. A horizon is the highest id handed out at
// one moment plus the snapshot's xmax then: once every transaction older
// than that xmax has ended, each id up to the horizon is committed or never
// will be. Ingest writes its batch id before it takes event ids, so its
// transaction has an xid by then.

export interface EventHorizon {
  /** Highest InteractionEvent id handed out when the horizon was taken. */
  eventId: string;
  /** pg_snapshot_xmax at that moment, an xid8 as a decimal string. */
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
  // The id first, then the snapshot: every transaction holding an id up to
  // `eventId` has then ended or started before `xid`.
  const sequence = await pool.query<{ last: string }>(
    `SELECT CASE WHEN is_called THEN last_value ELSE 0 END::text AS last
     FROM "InteractionEvent_id_seq"`,
  );
  const snapshot = await pool.query<{ xid: string }>(
    `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid`,
  );
  const horizon = { eventId: sequence.rows[0].last, xid: snapshot.rows[0].xid };
  const deadline = Date.now() + SETTLE_WAIT_MS;
  let settled = await isSettled(pool, horizon.xid);
  while (!settled && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    settled = await isSettled(pool, horizon.xid);
  }
  return { ...horizon, settled };
}

/** Tells whether every transaction older than `xid` has ended. */
export async function isSettled(pool: pg.Pool, xid: string): Promise<boolean> {
  const result = await pool.query<{ settled: boolean }>(
    `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::numeric
              >= $1::numeric AS settled`,
    [xid],
  );
  return result.rows[0].settled;
}
