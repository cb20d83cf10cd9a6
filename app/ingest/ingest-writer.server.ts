import type pg from "pg";
import type { Logger } from "pino";
import { withTransaction } from "../transaction.server";
import { databaseUnavailable } from "./database-errors.server";
import {
  writeBatch,
  writeGroup,
  type BatchOutcome,
  type PendingBatch,
} from "./write-batch.server";

/** Batches written by one transaction at most. */
export const MAX_GROUP_BATCHES = 400;

interface Waiting {
  pending: PendingBatch;
  resolve: (outcome: BatchOutcome) => void;
  reject: (error: unknown) => void;
}

/** Groups written at once, each by its own connection. */
export const WRITE_LANES = 2;

/** A queue of batches and whether its group is being written. */
interface Lane {
  queue: Waiting[];
  writing: boolean;
}

/**
 * Group commit for the ingest endpoint. Batches that arrive while a
 * transaction is being written wait for the next one. That transaction
 * writes all of them with one statement per table and one commit, so every
 * batch of the group shares the cost of the commit and of each statement.
 * A lone batch goes on the next turn of the event loop, in a transaction
 * of its own. Each caller is answered after its group has committed, so
 * an acknowledged batch is durable.
 *
 * Batches go to lanes by visit, and each lane writes one group at a time:
 * a batch may refer to a page view that an earlier batch of its visit
 * created, and the checks of a group see everything that the groups
 * before it in its lane wrote. Two lanes let the database write one group
 * while this process prepares the other.
 */
export class IngestWriter {
  private readonly lanes: Lane[];

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger?: Logger,
    private readonly maxGroup = MAX_GROUP_BATCHES,
    lanes = WRITE_LANES,
  ) {
    this.lanes = Array.from({ length: lanes }, () => ({
      queue: [],
      writing: false,
    }));
  }

  /** Batches waiting for their group, not counting those being written. */
  get waiting(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.queue.length, 0);
  }

  write(pending: PendingBatch): Promise<BatchOutcome> {
    const lane = this.lanes[laneOf(pending, this.lanes.length)];
    return new Promise((resolve, reject) => {
      lane.queue.push({ pending, resolve, reject });
      if (lane.writing) return;
      lane.writing = true;
      // Requests that the same turn of the event loop parsed join this group.
      setImmediate(() => void this.drain(lane));
    });
  }

  private async drain(lane: Lane) {
    try {
      while (lane.queue.length > 0) {
        await this.writeNext(lane.queue.splice(0, this.maxGroup));
      }
    } finally {
      lane.writing = false;
    }
  }
  private async writeNext(group: Waiting[]) {
    // A lone batch goes straight to `writeBatch`, which turns a visit or
    // page view taken by a concurrent writer into the batch's 409.
    if (group.length > 1) {
      if (await this.writeTogether(group)) return;
    }
    for (const waiting of group) {
      try {
        waiting.resolve(await writeBatch(this.pool, waiting.pending));
      } catch (error) {
        waiting.reject(error);
      }
    }
  }

  /** Writes a group in one transaction, returning false when its batches must go one by one. */
  private async writeTogether(group: Waiting[]): Promise<boolean> {
    try {
      const outcomes = await withTransaction(this.pool, (client) =>
        writeGroup(
          client,
          group.map((waiting) => waiting.pending),
        ),
      );
      group.forEach((waiting, index) => waiting.resolve(outcomes[index]));
      return true;
    } catch (error) {
      if (databaseUnavailable(error)) {
        for (const waiting of group) waiting.reject(error);
        return true;
      }
      // The checks foresee every rejection of a batch, but not what another
      // transaction does meanwhile (a visit taken, a deadlock). Writing the
      // batches one by one confines such a failure to its own batch, and
      // turns a visit taken meanwhile into that batch's 409.
      this.logger?.warn(
        {
          err: error instanceof Error ? error.message : String(error),
          batches: group.length,
        },
        "ingest group failed, writing its batches one by one",
      );
      return false;
    }
  }
}

/** Picks the lane of a batch's visit from a hash of its shop domain and session id. */
function laneOf(pending: PendingBatch, lanes: number): number {
  if (lanes === 1) return 0;
  const key = `${pending.batch.shop} ${pending.batch.sessionId}`;
  let hash = 0;
  for (let i = 0; i < key.length; i += 1) {
    hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
  }
  return (hash >>> 0) % lanes;
}

const writers = new WeakMap<pg.Pool, IngestWriter>();

/** Returns the writer of a connection pool, creating it on first use. */
export function writerFor(pool: pg.Pool, logger?: Logger): IngestWriter {
  let writer = writers.get(pool);
  if (!writer) {
    writer = new IngestWriter(
      pool,
      logger,
      MAX_GROUP_BATCHES,
      Number(process.env.INGEST_WRITE_LANES ?? WRITE_LANES),
    );
    writers.set(pool, writer);
  }
  return writer;
}
