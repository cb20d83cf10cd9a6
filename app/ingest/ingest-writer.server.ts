import diagnostics_channel from "node:diagnostics_channel";
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
  /** Shop domain and session id of the batch. */
  visit: string;
}

/** A group as the `storelens:ingest-group` diagnostics channel reports it. */
export interface WrittenGroup {
  batches: number;
  /** Time from the group's start to its last batch's outcome. */
  ms: number;
}

/**
 * Reports each written group to subscribers, such as the ingest benchmark
 * or a metrics exporter. Without subscribers it costs one check per group.
 */
export const groupChannel = diagnostics_channel.channel(
  "storelens:ingest-group",
);

/** Groups written at once at most, each by its own connection. */
export const WRITE_LANES = 2;

/**
 * Group commit for the ingest endpoint. Batches that arrive while every
 * writer is busy wait for the next free one, which writes all of them with
 * one statement per table and one commit. So every batch of the group
 * shares the cost of the commit and of each statement. Batches parsed in
 * the same turn of the event loop start together, and a lone batch is
 * written in a transaction of its own. Each caller gets its outcome after
 * its group has committed, so an acknowledged batch is durable.
 *
 * A visit is written by one group at a time. A batch may refer to a page
 * view that an earlier batch of its visit created, so the checks of a
 * group must see what the groups before it wrote for that visit. A batch
 * whose visit is in a group being written waits for that group, and the
 * batches of a visit are written in their order. Other batches go to any
 * free writer: a batch waits for a group ahead of it only when every
 * writer is busy.
 */
export class IngestWriter {
  private readonly queue: Waiting[] = [];
  /** Visits in the groups being written. */
  private readonly busyVisits = new Set<string>();
  private writing = 0;
  private scheduled = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger?: Logger,
    private readonly maxGroup = MAX_GROUP_BATCHES,
    private readonly writers = WRITE_LANES,
  ) {
    // Zero or NaN would leave every batch waiting for a writer that never
    // starts, so an invalid count throws here instead.
    for (const [name, value] of [
      ["INGEST_WRITE_LANES (writers)", writers],
      ["group size", maxGroup],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(
          `invalid ${name}: ${value}. Set a whole number of at least 1`,
        );
      }
    }
  }

  /** Batches waiting for their group, not counting those being written. */
  get waiting(): number {
    return this.queue.length;
  }

  write(pending: PendingBatch): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ pending, resolve, reject, visit: visitOf(pending) });
      this.schedule();
    });
  }

  /** Starts groups on the next turn, so that batches parsed in this one join. */
  private schedule() {
    if (this.scheduled || this.writing >= this.writers) return;
    if (this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startGroups();
    });
  }

  private startGroups() {
    while (this.writing < this.writers) {
      const group = this.takeGroup();
      if (group.length === 0) return;
      this.writing += 1;
      const started = performance.now();
      void this.writeNext(group).finally(() => {
        if (groupChannel.hasSubscribers) {
          const written: WrittenGroup = {
            batches: group.length,
            ms: performance.now() - started,
          };
          groupChannel.publish(written);
        }
        this.writing -= 1;
        for (const waiting of group) this.busyVisits.delete(waiting.visit);
        this.schedule();
      });
    }
  }

  /**
   * Takes the next group from the queue in arrival order, up to `maxGroup`
   * batches whose visits are in no group being written. A batch left in
   * the queue keeps its place, and so do the later batches of its visit.
   */
  private takeGroup(): Waiting[] {
    const group: Waiting[] = [];
    const visits = new Set<string>();
    const remaining: Waiting[] = [];
    for (const waiting of this.queue) {
      const joins =
        group.length < this.maxGroup && !this.busyVisits.has(waiting.visit);
      if (joins) {
        group.push(waiting);
        visits.add(waiting.visit);
      } else {
        remaining.push(waiting);
      }
    }
    this.queue.length = 0;
    this.queue.push(...remaining);
    for (const visit of visits) this.busyVisits.add(visit);
    return group;
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

function visitOf(pending: PendingBatch): string {
  return `${pending.batch.shop} ${pending.batch.sessionId}`;
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
