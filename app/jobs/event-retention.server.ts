import type pg from "pg";
import { logger } from "~/logger.server";
import {
  DEFAULT_PARTITION,
  listEventPartitions,
  quoteIdentifier,
  timestampText,
  withPartitionLock,
  type EventPartition,
} from "./event-partitions.server";
import {
  readConditions,
  readersBehind,
  type BehindReader,
} from "./raw-event-readers.server";

const DAY_MS = 86_400_000;
/** Rows deleted per statement, so no pass holds its locks for long. */
export const PRUNE_CHUNK_ROWS = 5_000;
/**
 * Days an IngestBatch receipt is kept. A receipt stops a retried batch from
 * being stored twice. Browsers retry for minutes, but the demo seeder can
 * send the same batch ids again (they come from a fixed seed) with events
 * dated up to the 31 days back that ingest accepts. The window covers that
 * with a few days to spare.
 */
export const INGEST_BATCH_DEDUP_DAYS = 35;
/**
 * Days a WebhookDelivery is kept. Shopify retries a failed delivery 8 times
 * over 4 hours (its developer changelog, September 2024; 48 hours before
 * that), so a week leaves a wide margin.
 */
export const WEBHOOK_DEDUP_DAYS = 7;

export interface PartitionDrop {
  /** Partitions dropped, oldest first. */
  dropped: string[];
  /** Expired partitions kept because a reader of raw events is behind. */
  kept: string[];
  /** Readers behind for each kept partition, in the order of `kept`. */
  behind: { partition: string; readers: BehindReader[] }[];
  /** Expired partitions left because a lock wait timed out. */
  busy: string[];
  /** Expired rows deleted from the DEFAULT partition. */
  strayRows: number;
  /** Expired rows left in DEFAULT per reader that still needs them. */
  keptStrayRows: Record<string, number>;
}

type DropOutcome =
  | { outcome: "dropped" | "gone" }
  | { outcome: "behind"; readers: BehindReader[] };

/** Entries of a kept partition's log line, so a busy server logs a bounded line. */
const LOGGED_BEHIND_ENTRIES = 10;

/** SQLSTATE of a lock wait that ran past lock_timeout. */
const LOCK_NOT_AVAILABLE = "55P03";

/**
 * Drops the week partitions of InteractionEvent whose upper bound is older
 * than the retention window. A partition that still contains events some
 * reader of an installed shop needs (see raw-event-readers.server.ts) is
 * kept and logged with the readers behind, so no rollup or detector loses
 * rows. A later run drops it, as it does a partition whose lock wait timed
 * out. Expired rows in DEFAULT follow the same rule and are deleted in
 * chunks.
 */
export async function dropExpiredEventPartitions(
  pool: pg.Pool,
  options: { retentionDays: number; now?: Date },
): Promise<PartitionDrop> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.retentionDays * DAY_MS);
  const expired = (await listEventPartitions(pool)).filter(
    (partition) => partition.to <= cutoff,
  );

  const result: PartitionDrop = {
    dropped: [],
    kept: [],
    behind: [],
    busy: [],
    strayRows: 0,
    keptStrayRows: {},
  };
  for (const [index, partition] of expired.entries()) {
    let drop: DropOutcome;
    try {
      drop = await withPartitionLock(pool, (client) =>
        dropUnlessBehind(client, partition),
      );
    } catch (error) {
      if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) {
        throw error;
      }
      // The reader in the way has most likely locked the other partitions
      // too, and every wait stalls ingest, so the rest waits for the next
      // run.
      const left = expired.slice(index).map((p) => p.name);
      result.busy.push(...left);
      logger.warn(
        { partitions: left, err: error },
        "dropping expired event partitions timed out waiting for a lock; the next run retries",
      );
      break;
    }
    if (drop.outcome === "dropped") result.dropped.push(partition.name);
    if (drop.outcome !== "behind") continue;
    result.kept.push(partition.name);
    result.behind.push({ partition: partition.name, readers: drop.readers });
    logger.warn(
      {
        partition: partition.name,
        readers: [...new Set(drop.readers.map((entry) => entry.reader))],
        shops: new Set(drop.readers.map((entry) => entry.shopId)).size,
        behind: drop.readers.slice(0, LOGGED_BEHIND_ENTRIES),
      },
      "expired event partition kept: a reader of raw events has not read it yet",
    );
  }
  result.strayRows = await deleteExpiredStrays(pool, cutoff);
  result.keptStrayRows = await countKeptStrays(pool, cutoff);
  if (Object.keys(result.keptStrayRows).length > 0) {
    logger.warn(
      { rowsPerReader: result.keptStrayRows },
      "expired rows kept in the default partition: a reader of raw events has not read them yet",
    );
  }

  if (result.dropped.length > 0 || result.strayRows > 0) {
    logger.info(
      { partitions: result.dropped, strayRows: result.strayRows },
      "expired raw events dropped",
    );
  }
  return result;
}

/**
 * Drops the partition unless some reader of an installed shop still needs
 * rows of it.
 */
async function dropUnlessBehind(
  client: pg.PoolClient,
  partition: EventPartition,
): Promise<DropOutcome> {
  const stillThere = await client.query(
    `SELECT 1 FROM pg_class WHERE oid = to_regclass($1)`,
    [quoteIdentifier(partition.name)],
  );
  if (stillThere.rowCount === 0) return { outcome: "gone" };
  const behind = await readersBehind(client, partition.name);
  if (behind.length > 0) return { outcome: "behind", readers: behind };
  await client.query(`DROP TABLE ${quoteIdentifier(partition.name)}`);
  return { outcome: "dropped" };
}

/**
 * Deletes rows of DEFAULT dated before the cutoff that every reader has
 * read, or whose shop is uninstalled. DEFAULT only contains rows that no
 * week partition covered, so these are few.
 */
async function deleteExpiredStrays(
  pool: pg.Pool,
  cutoff: Date,
): Promise<number> {
  const read = readConditions("d")
    .map((condition) => `(${condition.sql})`)
    .join(" AND ");
  let deleted = 0;
  for (;;) {
    const result = await pool.query(
      `DELETE FROM ${quoteIdentifier(DEFAULT_PARTITION)}
       WHERE ("shopId", id, "occurredAt") IN (
         SELECT d."shopId", d.id, d."occurredAt"
         FROM ${quoteIdentifier(DEFAULT_PARTITION)} d
         JOIN "Shop" s ON s.id = d."shopId"
         WHERE d."occurredAt" < $1::timestamp
           AND (s."uninstalledAt" IS NOT NULL OR (${read}))
         LIMIT $2)`,
      [timestampText(cutoff), PRUNE_CHUNK_ROWS],
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < PRUNE_CHUNK_ROWS) return deleted;
  }
}

/** Counts, per reader, the expired rows of DEFAULT that it still needs. */
async function countKeptStrays(
  pool: pg.Pool,
  cutoff: Date,
): Promise<Record<string, number>> {
  const conditions = readConditions("d");
  const result = await pool.query<Record<string, string>>(
    `SELECT ${conditions
      .map(
        (condition, index) =>
          `count(*) FILTER (WHERE NOT (${condition.sql})) AS r${index}`,
      )
      .join(", ")}
     FROM ${quoteIdentifier(DEFAULT_PARTITION)} d
     JOIN "Shop" s ON s.id = d."shopId"
     WHERE d."occurredAt" < $1::timestamp AND s."uninstalledAt" IS NULL`,
    [timestampText(cutoff)],
  );
  const kept: Record<string, number> = {};
  conditions.forEach((condition, index) => {
    const rows = Number(result.rows[0][`r${index}`]);
    if (rows > 0) kept[condition.reader] = rows;
  });
  return kept;
}

/**
 * Deletes IngestBatch receipts older than INGEST_BATCH_DEDUP_DAYS, shop by
 * shop on the ("shopId", "receivedAt") index, in chunks. Returns the
 * receipts deleted.
 */
export async function pruneIngestBatches(
  pool: pg.Pool,
  now: Date = new Date(),
): Promise<number> {
  const cutoff = new Date(now.getTime() - INGEST_BATCH_DEDUP_DAYS * DAY_MS);
  const shops = await pool.query<{ id: string }>(`SELECT id FROM "Shop"`);
  let deleted = 0;
  for (const shop of shops.rows) {
    for (;;) {
      const result = await pool.query(
        `DELETE FROM "IngestBatch"
         WHERE "shopId" = $1 AND id IN (
           SELECT id FROM "IngestBatch"
           WHERE "shopId" = $1 AND "receivedAt" < $2::timestamp
           LIMIT $3)`,
        [shop.id, timestampText(cutoff), PRUNE_CHUNK_ROWS],
      );
      deleted += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < PRUNE_CHUNK_ROWS) break;
    }
  }
  if (deleted > 0) {
    logger.info({ receipts: deleted }, "expired ingest batch receipts deleted");
  }
  return deleted;
}

/**
 * Deletes WebhookDelivery rows older than WEBHOOK_DEDUP_DAYS in chunks.
 * Returns the rows deleted.
 */
export async function pruneWebhookDeliveries(
  pool: pg.Pool,
  now: Date = new Date(),
): Promise<number> {
  const cutoff = new Date(now.getTime() - WEBHOOK_DEDUP_DAYS * DAY_MS);
  let deleted = 0;
  for (;;) {
    const result = await pool.query(
      `DELETE FROM "WebhookDelivery" WHERE id IN (
         SELECT id FROM "WebhookDelivery"
         WHERE "receivedAt" < $1::timestamp LIMIT $2)`,
      [timestampText(cutoff), PRUNE_CHUNK_ROWS],
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < PRUNE_CHUNK_ROWS) break;
  }
  if (deleted > 0) {
    logger.info({ deliveries: deleted }, "expired webhook deliveries deleted");
  }
  return deleted;
}
