import type pg from "pg";
import { logger } from "~/logger.server";
import {
  DEFAULT_PARTITION,
  EVENT_TABLE,
  PARTITION_LOCK_KEY,
  PARTITION_LOCK_TIMEOUT_MS,
  listEventPartitions,
  partitionName,
  quoteIdentifier,
  timestampText,
} from "./event-partitions.server";

// Moves many rows out of DEFAULT into new week partitions without a long
// lock on InteractionEvent. Moving rows in place needs the table locked
// against writes for the whole move, and attaching a week scans all of
// DEFAULT under that lock. Instead:
// 1. Empty shadow tables are made: one per new week, with a CHECK
//    constraint of its range and the table's primary key and indexes, and
//    one for a new DEFAULT.
// 2. A trigger on DEFAULT copies every row inserted from then on into its
//    shadow table and deletes there every row deleted from DEFAULT.
// 3. The rows already in DEFAULT are copied in chunks of MOVE_CHUNK_ROWS,
//    each a short transaction of its own. Every row stays visible in
//    DEFAULT meanwhile, and ingest goes on writing.
// 4. Once every transaction older than the copies has ended, one short
//    transaction detaches DEFAULT and attaches the shadow weeks (their
//    CHECK constraints spare the range scan) and the new DEFAULT. It takes
//    an ACCESS EXCLUSIVE lock. Its work grows only with the check of the
//    foreign key (about 80 ms per million rows) and with the rows left for
//    the new DEFAULT. The old DEFAULT is dropped afterwards.
// A session advisory lock keeps other partition managers and retention out
// from start to end.

/** Rows copied per transaction while filling the shadow tables. */
export const MOVE_CHUNK_ROWS = 5_000;
/** Attempts at the final swap before the shadow tables are given up. */
const SWAP_ATTEMPTS = 3;
const SWAP_RETRY_MS = 1_000;
/**
 * Maximum wait for older transactions to end before the swap. A heatmap
 * rollup run on a long backlog can take minutes (MAX_ID_SPAN_PER_RUN).
 */
const SNAPSHOT_WAIT_MS = 5 * 60_000;
const SNAPSHOT_POLL_MS = 100;
/** Attempts at one copy chunk whose rows a delete keeps locked. */
const CHUNK_ATTEMPTS = 100;
const CHUNK_RETRY_MS = 50;
/** SQLSTATE of a lock wait that ran past lock_timeout, or of NOWAIT. */
const LOCK_NOT_AVAILABLE = "55P03";
/** SQLSTATE of a transaction that PostgreSQL ended to break a deadlock. */
const DEADLOCK = "40P01";

/**
 * Returns the name of the table that becomes DEFAULT. A function, because
 * event-partitions.server.ts imports this module: at load time the names
 * imported from it are not set yet.
 */
const newDefaultName = () => `${DEFAULT_PARTITION}_new`;
/** Returns the name the replaced DEFAULT has until it is dropped. */
const oldDefaultName = () => `${DEFAULT_PARTITION}_old`;
const SYNC_FUNCTION = "interaction_event_default_sync";
const SYNC_TRIGGER = "interaction_event_default_sync";

export interface Week {
  from: Date;
  to: Date;
}

interface ShadowWeek extends Week {
  name: string;
}

export interface RebuildRun {
  /** Week partitions created, oldest first. */
  created: string[];
  /** Rows of DEFAULT now in the created weeks. */
  moved: number;
}

/**
 * Creates the given weeks, those still missing once the lock is held, and
 * moves DEFAULT's rows of them there, by the steps above. `columns` lists
 * the table's columns, quoted and in order.
 */
export async function rebuildDefaultPartition(
  pool: pg.Pool,
  weeks: Week[],
  columns: string[],
): Promise<RebuildRun> {
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [
      PARTITION_LOCK_KEY,
    ]);
    try {
      return await rebuildLocked(client, weeks, columns);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [
        PARTITION_LOCK_KEY,
      ]);
    }
  } finally {
    client.release();
  }
}

async function rebuildLocked(
  client: pg.PoolClient,
  weeks: Week[],
  columns: string[],
): Promise<RebuildRun> {
  const existing = await listEventPartitions(client);
  const missing: ShadowWeek[] = weeks
    .filter(
      (week) =>
        !existing.some(
          (partition) => partition.from < week.to && week.from < partition.to,
        ),
    )
    .map((week) => ({ ...week, name: partitionName(week.from) }));
  await dropShadows(client);
  if (missing.length === 0) return { created: [], moved: 0 };

  try {
    await inTransaction(client, () => createShadows(client, missing, columns));
    await copyExistingRows(client, missing, columns);
    await waitForOlderSnapshots(client);
    await swapWithRetries(client, missing);
  } catch (error) {
    await dropShadows(client).catch(() => {});
    throw error;
  }
  // Dropping the detached table drops its foreign key's triggers on Shop,
  // which takes an ACCESS EXCLUSIVE lock there: a transaction of its own
  // keeps that lock away from InteractionEvent's. A failure leaves the
  // table to the next run's clean-up.
  await dropShadows(client).catch((error) => {
    logger.warn(
      { err: error, table: oldDefaultName() },
      "dropping the replaced default partition failed; the next run retries",
    );
  });

  let moved = 0;
  for (const week of missing) {
    // Fresh tables have no statistics until autovacuum gets to them.
    await client.query(`ANALYZE ${quoteIdentifier(week.name)}`);
    const rows = await client.query<{ rows: string }>(
      `SELECT count(*) AS rows FROM ${quoteIdentifier(week.name)}`,
    );
    moved += Number(rows.rows[0].rows);
  }
  return { created: missing.map((week) => week.name), moved };
}

async function inTransaction<T>(
  client: pg.PoolClient,
  work: () => Promise<T>,
): Promise<T> {
  await client.query("BEGIN");
  try {
    await client.query(
      `SET LOCAL lock_timeout = ${Number(PARTITION_LOCK_TIMEOUT_MS)}`,
    );
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/**
 * Removes the trigger and the shadow tables a failed or crashed run left.
 * Shadow weeks carry their final names, so their indexes get the names
 * PostgreSQL gives a week's indexes: a table of such a name that is not a
 * partition is a leftover.
 */
async function dropShadows(client: pg.PoolClient) {
  await inTransaction(client, async () => {
    // Only when it is there: dropping a trigger locks its table, and this
    // also runs after a swap, when DEFAULT is live and has none.
    const trigger = await client.query(
      `SELECT 1 FROM pg_trigger
       WHERE tgname = $1 AND tgrelid = $2::regclass`,
      [SYNC_TRIGGER, quoteIdentifier(DEFAULT_PARTITION)],
    );
    if (trigger.rowCount) {
      await client.query(
        `DROP TRIGGER ${SYNC_TRIGGER} ON ${quoteIdentifier(DEFAULT_PARTITION)}`,
      );
    }
    const left = await client.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class
       WHERE relkind = 'r' AND NOT relispartition
         AND (starts_with(relname, $1) OR relname = ANY($2))
         AND relnamespace = current_schema()::regnamespace`,
      [`${EVENT_TABLE}_w`, [newDefaultName(), oldDefaultName()]],
    );
    for (const row of left.rows) {
      await client.query(`DROP TABLE ${quoteIdentifier(row.name)}`);
    }
    await client.query(`DROP FUNCTION IF EXISTS ${SYNC_FUNCTION}()`);
  });
}

function rangeSql(week: Week, column = `"occurredAt"`): string {
  return `${column} >= '${timestampText(week.from)}'::timestamp
    AND ${column} < '${timestampText(week.to)}'::timestamp`;
}

async function createShadows(
  client: pg.PoolClient,
  weeks: ShadowWeek[],
  columns: string[],
) {
  const parent = quoteIdentifier(EVENT_TABLE);
  // No foreign key: attaching a table with its own would take an ACCESS
  // EXCLUSIVE lock on Shop to drop that key's triggers there, which blocks
  // every reader of Shop and deadlocked with inserts. Attaching clones the
  // table's key instead and checks the rows against Shop, about 80 ms per
  // million rows of one shop on PostgreSQL 18.
  const shadows = [
    ...weeks.map((week) => ({ table: week.name, week })),
    { table: newDefaultName(), week: null },
  ];
  for (const { table, week } of shadows) {
    const name = quoteIdentifier(table);
    await client.query(
      `CREATE TABLE ${name}
       (LIKE ${parent} INCLUDING DEFAULTS INCLUDING INDEXES)`,
    );
    if (week) {
      await client.query(
        `ALTER TABLE ${name} ADD CONSTRAINT ${quoteIdentifier(`${table}_range`)}
         CHECK (${rangeSql(week)})`,
      );
    }
  }

  const row = (prefix: string) =>
    columns.map((column) => `${prefix}.${column}`).join(", ");
  const key = (prefix: string) =>
    `"shopId" = ${prefix}."shopId" AND id = ${prefix}.id
     AND "occurredAt" = ${prefix}."occurredAt"`;
  const branches = shadows.map(({ table, week }) => {
    const name = quoteIdentifier(table);
    return {
      test: week ? rangeSql(week, `target."occurredAt"`) : null,
      insert: `INSERT INTO ${name} (${columns.join(", ")})
               VALUES (${row("NEW")}) ON CONFLICT DO NOTHING;`,
      remove: `DELETE FROM ${name} WHERE ${key("OLD")};`,
    };
  });
  const dispatch = (action: "insert" | "remove") =>
    branches
      .map((branch, index) => {
        if (branch.test === null) return `ELSE ${branch[action]}`;
        return `${index === 0 ? "IF" : "ELSIF"} ${branch.test} THEN
          ${branch[action]}`;
      })
      .join("\n") + "\nEND IF;";
  await client.query(
    `CREATE FUNCTION ${SYNC_FUNCTION}() RETURNS trigger
     LANGUAGE plpgsql AS $body$
     DECLARE target ${quoteIdentifier(DEFAULT_PARTITION)}%ROWTYPE;
     BEGIN
       IF TG_OP = 'INSERT' THEN
         target := NEW;
         ${dispatch("insert")}
       ELSE
         target := OLD;
         ${dispatch("remove")}
       END IF;
       RETURN NULL;
     END;
     $body$`,
  );
  // Waits for the inserts in flight, which then have committed: the copy
  // below sees their rows, and the trigger copies every later one.
  await client.query(
    `CREATE TRIGGER ${SYNC_TRIGGER}
     AFTER INSERT OR DELETE ON ${quoteIdentifier(DEFAULT_PARTITION)}
     FOR EACH ROW EXECUTE FUNCTION ${SYNC_FUNCTION}()`,
  );
}

/**
 * Copies DEFAULT's rows into the shadow tables in primary key order, a
 * chunk per statement. FOR KEY SHARE makes a concurrent delete of a row
 * being copied wait until the copy commits, so the trigger then finds the
 * copy and deletes it too. A row the trigger copied already is skipped.
 * A chunk does not wait for a row lock (NOWAIT) but is tried again a
 * moment later, so it never waits on a delete that locks rows in another
 * order, which could deadlock.
 */
async function copyExistingRows(
  client: pg.PoolClient,
  weeks: ShadowWeek[],
  columns: string[],
) {
  const list = columns.join(", ");
  const targets = weeks.map(
    (week, index) =>
      `w${index} AS (
         INSERT INTO ${quoteIdentifier(week.name)} (${list})
         SELECT ${list} FROM chunk WHERE ${rangeSql(week)}
         ON CONFLICT DO NOTHING)`,
  );
  const outside = weeks.map((week) => `NOT (${rangeSql(week)})`).join(" AND ");
  let after = { shopId: "", id: "0", occurredAt: "-infinity" };
  for (let attempt = 1; ; attempt++) {
    const result = await client
      .query<{
        rows: number;
        shopId: string | null;
        id: string | null;
        occurredAt: string | null;
      }>(
        `WITH chunk AS (
         SELECT ${list} FROM ${quoteIdentifier(DEFAULT_PARTITION)}
         WHERE ("shopId", id, "occurredAt") > ($1::text, $2::bigint, $3::timestamp)
         ORDER BY "shopId", id, "occurredAt"
         LIMIT ${MOVE_CHUNK_ROWS}
         FOR KEY SHARE NOWAIT
       ),
       ${targets.join(",\n")},
       rest AS (
         INSERT INTO ${quoteIdentifier(newDefaultName())} (${list})
         SELECT ${list} FROM chunk WHERE ${outside}
         ON CONFLICT DO NOTHING)
       SELECT (SELECT count(*) FROM chunk)::int AS rows, last.*
       FROM (SELECT 1) one
       LEFT JOIN (
         SELECT "shopId", id::text AS id, "occurredAt"::text AS "occurredAt"
         FROM chunk ORDER BY "shopId" DESC, id DESC, "occurredAt" DESC
         LIMIT 1
       ) last ON true`,
        [after.shopId, after.id, after.occurredAt],
      )
      .catch((error: { code?: string }) => {
        if (error.code !== LOCK_NOT_AVAILABLE || attempt >= CHUNK_ATTEMPTS) {
          throw error;
        }
        return null;
      });
    if (result === null) {
      await new Promise((resolve) => setTimeout(resolve, CHUNK_RETRY_MS));
      continue;
    }
    attempt = 0;
    const chunk = result.rows[0];
    if (chunk.rows < MOVE_CHUNK_ROWS || chunk.shopId === null) return;
    after = {
      shopId: chunk.shopId,
      id: chunk.id!,
      occurredAt: chunk.occurredAt!,
    };
  }
}

/**
 * Waits until every transaction that began before the last copy has
 * ended. A snapshot older than a copy does not see that copy, so a reader
 * still on one, such as a heatmap rollup run (REPEATABLE READ), would find
 * those rows in no partition once the swap commits. A read-only
 * transaction has no transaction id, so this looks at the snapshots that
 * pg_stat_activity lists (backend_xmin) rather than at running ids.
 * NOTE: PostgreSQL shows backend_xmin of another role's sessions only to
 * members of pg_read_all_stats, so readers under another role are not
 * waited for.
 */
async function waitForOlderSnapshots(client: pg.PoolClient) {
  // As text, which keeps the microseconds a Date would drop.
  const copied = await client.query<{ at: string }>(
    `SELECT clock_timestamp()::text AS at`,
  );
  const deadline = Date.now() + SNAPSHOT_WAIT_MS;
  for (;;) {
    const older = await client.query<{ sessions: number }>(
      `SELECT count(*)::int AS sessions FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()
         AND backend_type = 'client backend'
         AND backend_xmin IS NOT NULL AND xact_start < $1::timestamptz`,
      [copied.rows[0].at],
    );
    if (older.rows[0].sessions === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `transactions older than the copy of the default partition were still open after ${SNAPSHOT_WAIT_MS / 1000} s; the next run moves its rows`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, SNAPSHOT_POLL_MS));
  }
}

async function swapWithRetries(client: pg.PoolClient, weeks: ShadowWeek[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(client, () => swap(client, weeks));
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      const retried = code === LOCK_NOT_AVAILABLE || code === DEADLOCK;
      if (!retried || attempt >= SWAP_ATTEMPTS) throw error;
      // The trigger keeps the shadow tables current while the swap waits.
      await new Promise((resolve) => setTimeout(resolve, SWAP_RETRY_MS));
    }
  }
}

async function swap(client: pg.PoolClient, weeks: ShadowWeek[]) {
  const parent = quoteIdentifier(EVENT_TABLE);
  const oldDefault = quoteIdentifier(DEFAULT_PARTITION);
  // Detaching and attaching take a SHARE ROW EXCLUSIVE lock on Shop, the
  // table the foreign key references. Ingest locks Shop before
  // InteractionEvent, so Shop is locked first here too. The lock lets
  // inserts' key checks pass and holds back writes to Shop.
  const referenced = await client.query<{ name: string }>(
    `SELECT DISTINCT confrelid::regclass::text AS name FROM pg_constraint
     WHERE conrelid = $1::regclass AND contype = 'f'`,
    [parent],
  );
  for (const table of referenced.rows) {
    await client.query(`LOCK TABLE ${table.name} IN SHARE ROW EXCLUSIVE MODE`);
  }
  await client.query(`LOCK TABLE ${parent} IN ACCESS EXCLUSIVE MODE`);

  await client.query(`ALTER TABLE ${parent} DETACH PARTITION ${oldDefault}`);
  await client.query(
    `ALTER TABLE ${oldDefault} RENAME TO ${quoteIdentifier(oldDefaultName())}`,
  );
  // Frees the index names of DEFAULT for the new one.
  const oldIndexes = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index i
     JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = $1::regclass`,
    [quoteIdentifier(oldDefaultName())],
  );
  for (const [index, row] of oldIndexes.rows.entries()) {
    await client.query(
      `ALTER INDEX ${quoteIdentifier(row.name)}
       RENAME TO ${quoteIdentifier(`${oldDefaultName()}_${index}`)}`,
    );
  }
  for (const week of weeks) {
    const name = quoteIdentifier(week.name);
    await client.query(
      `ALTER TABLE ${parent} ATTACH PARTITION ${name}
       FOR VALUES FROM ('${timestampText(week.from)}')
       TO ('${timestampText(week.to)}')`,
    );
    await client.query(
      `ALTER TABLE ${name} DROP CONSTRAINT ${quoteIdentifier(`${week.name}_range`)}`,
    );
  }

  // Checks the new DEFAULT against every partition: it contains only the
  // rows that no week covers, so the scan is short.
  // NOTE: those rows are expired rows a reader still needs and rows of a
  // bulk load dated far ahead. If they ever number in the millions, this
  // scan holds the lock for as long as it reads them.
  await client.query(
    `ALTER TABLE ${parent} ATTACH PARTITION ${quoteIdentifier(newDefaultName())} DEFAULT`,
  );
  await client.query(
    `ALTER TABLE ${quoteIdentifier(newDefaultName())} RENAME TO ${oldDefault}`,
  );
  await renameIndexes(client, DEFAULT_PARTITION, newDefaultName());
}

/**
 * Renames the indexes of `table` whose names start with its former name
 * `shadow`. PostgreSQL shortens long index names, so a few may keep the
 * former name, which does no harm.
 */
async function renameIndexes(
  client: pg.PoolClient,
  table: string,
  shadow: string,
) {
  const indexes = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index i
     JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = $1::regclass AND starts_with(c.relname, $2)`,
    [quoteIdentifier(table), shadow],
  );
  for (const index of indexes.rows) {
    const renamed = table + index.name.slice(shadow.length);
    await client.query(
      `ALTER INDEX ${quoteIdentifier(index.name)} RENAME TO ${quoteIdentifier(renamed)}`,
    );
  }
}
