import type pg from "pg";
import { MAX_EVENT_AGE_DAYS } from "../ingest/clock-offset.server";
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

/** Weeks after the current one that always have a partition. */
export const WEEKS_AHEAD = 4;
/**
 * Maximum wait for a table lock in partition DDL. Creating a week waits
 * for inserts in flight and readers of DEFAULT, and dropping one for every
 * reader of the table. Ingest queues behind the waiting statement, so a
 * run gives up after this long and the next run tries again.
 */
export const PARTITION_LOCK_TIMEOUT_MS = 2_000;
const LOCK_KEY = "interaction-event-partitions";

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
      [LOCK_KEY],
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
  options: { retentionDays: number; now?: Date; from?: Date },
): Promise<PartitionRun> {
  const now = options.now ?? new Date();
  // Ingest dates an event at most MAX_EVENT_AGE_DAYS before its receipt,
  // so live inserts reach back that far.
  const liveDays = Math.min(MAX_EVENT_AGE_DAYS, options.retentionDays);
  const liveFrom = new Date(now.getTime() - liveDays * DAY_MS);
  const first = weekStart(
    options.from && options.from < liveFrom ? options.from : liveFrom,
  );
  const end = new Date(weekStart(now).getTime() + (WEEKS_AHEAD + 1) * WEEK_MS);
  const keptFrom = weekStart(
    new Date(now.getTime() - options.retentionDays * DAY_MS),
  );

  const run = await withPartitionLock(pool, async (client) => {
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

    const created: string[] = [];
    let moved = 0;
    const columns = await eventColumns(client);
    for (const from of [...weeks.values()].sort((a, b) => +a - +b)) {
      const to = new Date(from.getTime() + WEEK_MS);
      const overlaps = existing.some(
        (partition) => partition.from < to && from < partition.to,
      );
      if (overlaps) continue;
      moved += await createWeek(client, columns, from, to);
      created.push(partitionName(from));
    }
    const left = await client.query<{ rows: string }>(
      `SELECT count(*) AS rows FROM ${quoteIdentifier(DEFAULT_PARTITION)}`,
    );
    return { created, moved, strays: Number(left.rows[0].rows) };
  });

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
 * bounds. Ingest waits for the few milliseconds this takes, once per week
 * created.
 * NOTE: the move is one statement under that lock. DEFAULT only fills with
 * live traffic if no manager ran for WEEKS_AHEAD weeks, and then creating
 * those weeks blocks ingest for as long as moving their rows takes.
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
async function eventColumns(client: pg.PoolClient): Promise<string> {
  const result = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum`,
    [quoteIdentifier(EVENT_TABLE)],
  );
  return result.rows.map((row) => quoteIdentifier(row.name)).join(", ");
}

/** Reads a `timestamp` in PostgreSQL's text form as a UTC instant. */
export function parseTimestamp(text: string): Date {
  return new Date(`${text.replace(" ", "T")}Z`);
}
