import type pg from "pg";
import { MAX_EVENT_AGE_DAYS } from "../ingest/clock-offset.server";
import { rebuildDefaultPartition } from "./default-partition-rebuild.server";
import { logger } from "~/logger.server";

// InteractionEvent is partitioned by range on "occurredAt", one partition
// per UTC week from Monday 00:00, named InteractionEvent_wYYYYMMDD after
// that Monday. A DEFAULT partition takes rows that no week covers. This
// module creates weeks ahead of time and moves stray rows out of DEFAULT.

export const EVENT_TABLE = "InteractionEvent";
export const DEFAULT_PARTITION = "InteractionEvent_default";
const WEEK_PREFIX = "InteractionEvent_w";
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/**
 * Weeks after the current one that always have a partition: the time a
 * stopped manager has before live rows land in DEFAULT. Against four, the
 * eight more empty weeks added about 0.2 to 0.3 ms of planning and 0.5 to
 * 0.7 ms of execution to a read that cannot prune, and nothing measurable
 * to inserts (scripts/bench-partitions.ts, docs/scaling.md).
 */
export const WEEKS_AHEAD = 12;
/**
 * Maximum wait for a table lock in partition DDL. Creating a week waits
 * for inserts in flight and readers of DEFAULT, and dropping one for every
 * reader of the table. Ingest queues behind the waiting statement, so a
 * run gives up after this long and the next run tries again.
 */
export const PARTITION_LOCK_TIMEOUT_MS = 2_000;
/** Advisory lock key that serialises changes to the partitions. */
export const PARTITION_LOCK_KEY = "interaction-event-partitions";
/**
 * Most rows DEFAULT may contain for a run to move them in place, under a
 * lock that keeps ingest waiting. More go through the chunked rebuild of
 * default-partition-rebuild.server.ts. At this size the longest insert
 * wait was 91 ms, under the 190 ms of the rebuild's swap for 400,000 rows
 * (docs/scaling.md).
 */
export const IN_PLACE_MAX_ROWS = 10_000;

export interface EventPartition {
  name: string;
  /** Inclusive lower bound (UTC). */
  from: Date;
  /** Exclusive upper bound (UTC). */
  to: Date;
}

/** Returns Monday 00:00 UTC of the week that contains `at`. */
export function weekStart(at: Date): Date {
  const day = new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
  // getUTCDay() is 0 on Sunday, but ISO weeks (and date_trunc('week'))
  // start on Monday.
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

export function partitionName(from: Date): string {
  return WEEK_PREFIX + from.toISOString().slice(0, 10).replaceAll("-", "");
}

/** Formats a UTC instant as the text of a `timestamp` such as "occurredAt". */
export function timestampText(at: Date): string {
  return at.toISOString().slice(0, 23).replace("T", " ");
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Runs `work` in a transaction that holds the partition lock (an advisory
 * lock), so two processes never change the partitions at once. A second
 * caller waits for the first. Table lock waits inside `work` time out after
 * PARTITION_LOCK_TIMEOUT_MS.
 */
export async function withPartitionLock<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
      [PARTITION_LOCK_KEY],
    );
    await client.query(
      `SET LOCAL lock_timeout = ${Number(PARTITION_LOCK_TIMEOUT_MS)}`,
    );
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Lists the range partitions of InteractionEvent, oldest first. DEFAULT is
 * left out, and so is any partition whose bound is not a plain range of
 * timestamps.
 */
export async function listEventPartitions(
  client: pg.PoolClient | pg.Pool,
): Promise<EventPartition[]> {
  const result = await client.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = $1::regclass`,
    [quoteIdentifier(EVENT_TABLE)],
  );
  const partitions: EventPartition[] = [];
  for (const row of result.rows) {
    const range = /^FOR VALUES FROM \('([^']+)'\) TO \('([^']+)'\)$/.exec(
      row.bound,
    );
    if (!range) continue;
    partitions.push({
      name: row.name,
      from: parseTimestamp(range[1]),
      to: parseTimestamp(range[2]),
    });
  }
  return partitions.sort((a, b) => a.from.getTime() - b.from.getTime());
}

export interface PartitionRun {
  /** Partitions created by this run, oldest first. */
  created: string[];
  /** Rows moved out of DEFAULT into the created partitions. */
  moved: number;
  /** Rows left in DEFAULT: dated after the weeks kept ready, or expired. */
  strays: number;
}

/**
 * Creates the week partitions that live ingest can write to: from the week
 * of the oldest date ingest accepts (or of the retention cutoff, when that
 * is later) to WEEKS_AHEAD weeks after the current one. Also creates the
 * weeks of rows waiting in DEFAULT inside that span or within the retention
 * window, moving those rows over. Rows dated further ahead stay in DEFAULT
 * until their week comes into the span. `from` extends the span back to
 * its week, for bulk loads of older events. Idempotent.
 */
export async function ensureEventPartitions(
  pool: pg.Pool,
  options: {
    retentionDays: number;
    now?: Date;
    from?: Date;
    /** Overrides WEEKS_AHEAD, for benchmarks. */
    weeksAhead?: number;
    /** Overrides IN_PLACE_MAX_ROWS, for benchmarks that compare the two ways. */
    inPlaceMaxRows?: number;
  },
): Promise<PartitionRun> {
  const inPlaceMaxRows = options.inPlaceMaxRows ?? IN_PLACE_MAX_ROWS;
  const weeksAhead = options.weeksAhead ?? WEEKS_AHEAD;
  const now = options.now ?? new Date();
  // Ingest dates an event at most MAX_EVENT_AGE_DAYS before its receipt,
  // so live inserts reach back that far.
  const liveDays = Math.min(MAX_EVENT_AGE_DAYS, options.retentionDays);
  const liveFrom = new Date(now.getTime() - liveDays * DAY_MS);
  const first = weekStart(
    options.from && options.from < liveFrom ? options.from : liveFrom,
  );
  const end = new Date(weekStart(now).getTime() + (weeksAhead + 1) * WEEK_MS);
  const keptFrom = weekStart(
    new Date(now.getTime() - options.retentionDays * DAY_MS),
  );

  const planned = await withPartitionLock(pool, async (client) => {
    const existing = await listEventPartitions(client);
    const weeks = new Map<number, Date>();
    for (let at = first.getTime(); at < end.getTime(); at += WEEK_MS) {
      weeks.set(at, new Date(at));
    }
    // As text: pg would read a `timestamp` in the process's time zone.
    const waiting = await client.query<{ week: string }>(
      `SELECT DISTINCT date_trunc('week', "occurredAt")::text AS week
       FROM ${quoteIdentifier(DEFAULT_PARTITION)}
       WHERE "occurredAt" >= $1::timestamp AND "occurredAt" < $2::timestamp`,
      [timestampText(keptFrom), timestampText(end)],
    );
    for (const row of waiting.rows) {
      const week = parseTimestamp(row.week);
      weeks.set(week.getTime(), week);
    }
    const missing = [...weeks.values()]
      .sort((a, b) => +a - +b)
      .map((from) => ({ from, to: new Date(from.getTime() + WEEK_MS) }))
      .filter(
        (week) =>
          !existing.some(
            (partition) => partition.from < week.to && week.from < partition.to,
          ),
      );
    const columns = await eventColumns(client);
    if (missing.length === 0) return { missing, inPlace: true, columns };

    // Every attach scans all of DEFAULT, so its size, not the rows of the
    // new weeks, decides how long ingest would wait.
    const sample = await client.query<{ rows: number }>(
      `SELECT count(*)::int AS rows FROM (
         SELECT 1 FROM ${quoteIdentifier(DEFAULT_PARTITION)}
         LIMIT $1) d`,
      [inPlaceMaxRows + 1],
    );
    const inPlace = sample.rows[0].rows <= inPlaceMaxRows;
    return { missing, inPlace, columns };
  });

  let done: { created: string[]; moved: number } = { created: [], moved: 0 };
  if (!planned.inPlace) {
    done = await rebuildDefaultPartition(
      pool,
      planned.missing,
      planned.columns,
    );
  }
  for (const week of planned.inPlace ? planned.missing : []) {
    // A transaction per week, because the write lock on the table lasts
    // until commit: ingest then waits for one week at a time.
    const moved = await withPartitionLock(pool, async (client) => {
      const existing = await listEventPartitions(client);
      const taken = existing.some(
        (partition) => partition.from < week.to && week.from < partition.to,
      );
      if (taken) return null;
      const columns = planned.columns.join(", ");
      return createWeek(client, columns, week.from, week.to);
    });
    if (moved === null) continue;
    done.created.push(partitionName(week.from));
    done.moved += moved;
    // The planner counts a table that was never analyzed as 10 pages.
    // Analyzing a new, mostly empty week is cheap and keeps the estimates
    // of reads over every week true.
    await pool.query(`ANALYZE ${quoteIdentifier(partitionName(week.from))}`);
  }
  const left = await pool.query<{ rows: string }>(
    `SELECT count(*) AS rows FROM ${quoteIdentifier(DEFAULT_PARTITION)}`,
  );
  const run: PartitionRun = {
    created: done.created,
    moved: done.moved,
    strays: Number(left.rows[0].rows),
  };

  if (run.created.length > 0) {
    logger.info(
      { partitions: run.created, movedRows: run.moved },
      "event partitions created",
    );
  }
  if (run.strays > 0) {
    logger.warn(
      { rows: run.strays },
      "rows outside every week partition wait in the default partition",
    );
  }
  return run;
}

/**
 * Creates one week's partition detached, moves the week's rows out of
 * DEFAULT into it and attaches it. Returns the rows moved.
 *
 * Attaching checks that DEFAULT contains no row of the new range. An insert
 * that chose DEFAULT before the attach and writes after it fails its
 * partition check instead. So the parent is locked against writes
 * (SHARE, which readers pass) before DEFAULT: no insert is in flight
 * during the move and the attach, and the next ones route by the new
 * bounds. Ingest waits while this scans DEFAULT and moves the week's rows,
 * so it runs only while DEFAULT contains at most IN_PLACE_MAX_ROWS rows.
 */
async function createWeek(
  client: pg.PoolClient,
  columns: string,
  from: Date,
  to: Date,
): Promise<number> {
  const name = quoteIdentifier(partitionName(from));
  const defaultPartition = quoteIdentifier(DEFAULT_PARTITION);
  await client.query(
    `LOCK TABLE ONLY ${quoteIdentifier(EVENT_TABLE)} IN SHARE MODE`,
  );
  await client.query(`LOCK TABLE ${defaultPartition} IN ACCESS EXCLUSIVE MODE`);
  await client.query(
    `CREATE TABLE ${name} (LIKE ${quoteIdentifier(EVENT_TABLE)} INCLUDING DEFAULTS)`,
  );
  const moved = await client.query(
    `WITH moved AS (
       DELETE FROM ${defaultPartition}
       WHERE "occurredAt" >= $1::timestamp AND "occurredAt" < $2::timestamp
       RETURNING ${columns}
     )
     INSERT INTO ${name} (${columns}) SELECT ${columns} FROM moved`,
    [timestampText(from), timestampText(to)],
  );
  await client.query(
    `ALTER TABLE ${quoteIdentifier(EVENT_TABLE)} ATTACH PARTITION ${name}
     FOR VALUES FROM ('${timestampText(from)}') TO ('${timestampText(to)}')`,
  );
  return moved.rowCount ?? 0;
}

/** Lists the table's columns, quoted and in order, for moving whole rows. */
async function eventColumns(client: pg.PoolClient): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum`,
    [quoteIdentifier(EVENT_TABLE)],
  );
  return result.rows.map((row) => quoteIdentifier(row.name));
}

/** Reads a `timestamp` in PostgreSQL's text form as a UTC instant. */
export function parseTimestamp(text: string): Date {
  return new Date(`${text.replace(" ", "T")}Z`);
}
