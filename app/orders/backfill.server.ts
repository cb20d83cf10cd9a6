import { pool } from "~/db.server";
import { logger } from "~/logger.server";
import {
  ordersPageFetcher,
  type OrdersPageFetcher,
} from "./admin-orders.server";
import { orderFromGraphql } from "./graphql-order";
import { InvalidOrderPayloadError, type OrderInput } from "./order-input";
import { inTransaction, storeOrder } from "./store-order.server";

// Import of a shop's recent orders from the Admin API, page by page.
//
// Each page's orders are written in the same transaction that moves the
// saved cursor past them and adds them to `imported`. A crash therefore
// loses at most the page in flight, and a resumed run starts at the page
// after the last saved one without counting any order twice.
//
// Statuses: pending (recorded, not started), running, done, and failed
// (with the error message, resumed from its cursor by the next run).

export const BACKFILL_DAYS = 60;
/** Orders per Admin API request. Shopify allows up to 250. */
export const BACKFILL_PAGE_SIZE = 100;

export type BackfillStatusName = "pending" | "running" | "done" | "failed";

export interface BackfillStatus {
  status: BackfillStatusName;
  /** Orders written so far in this run. */
  imported: number;
  /** Orders processed at or after this time are imported. */
  since: Date;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** Starts a recorded backfill somewhere: in this process or as a job. */
export type BackfillDispatcher = (shopId: string) => Promise<void>;

const inProcess = new Map<string, Promise<void>>();

const runInProcess: BackfillDispatcher = async (shopId) => {
  if (inProcess.has(shopId)) return;
  const run = runBackfill(shopId)
    .then(() => undefined)
    .catch(() => {
      // runBackfill has logged the error and stored it as `failed`.
    })
    .finally(() => inProcess.delete(shopId));
  inProcess.set(shopId, run);
};

let dispatch: BackfillDispatcher = runInProcess;

/**
 * Sets where `startBackfill` and `resumeBackfills` send work. Null restores
 * the default, a run in this process.
 */
export function setBackfillDispatcher(next: BackfillDispatcher | null): void {
  dispatch = next ?? runInProcess;
}

/** Waits for the backfills running in this process, e.g. before exit. */
export async function settleBackfills(): Promise<void> {
  await Promise.all([...inProcess.values()]);
}

const STATUS_COLUMNS = `status, imported,
  since AT TIME ZONE 'UTC' AS since, error,
  "startedAt" AT TIME ZONE 'UTC' AS "startedAt",
  "finishedAt" AT TIME ZONE 'UTC' AS "finishedAt"`;

/** Returns a shop's backfill progress, or null when none was recorded. */
export async function backfillStatus(
  shopId: string,
): Promise<BackfillStatus | null> {
  const result = await pool.query<BackfillStatus>(
    `SELECT ${STATUS_COLUMNS} FROM "OrderBackfill" WHERE "shopId" = $1`,
    [shopId],
  );
  return result.rows[0] ?? null;
}

/**
 * Records a backfill of the last `BACKFILL_DAYS` days without starting it.
 * A failed backfill keeps its cursor and resumes from it. A finished one
 * starts over, which stores no order twice because every write is an
 * upsert. One that is pending or running is left as it is.
 */
export async function recordBackfill(
  shop: { id: string },
  now = new Date(),
): Promise<BackfillStatus> {
  const since = new Date(now.getTime() - BACKFILL_DAYS * 24 * 3600 * 1000);
  await pool.query(
    `INSERT INTO "OrderBackfill" AS b ("shopId", status, since, "updatedAt")
     VALUES ($1, 'pending', $2::timestamptz, now())
     ON CONFLICT ("shopId") DO UPDATE SET
       status = 'pending',
       error = NULL,
       since = CASE WHEN b.status = 'done' THEN EXCLUDED.since ELSE b.since END,
       cursor = CASE WHEN b.status = 'done' THEN NULL ELSE b.cursor END,
       imported = CASE WHEN b.status = 'done' THEN 0 ELSE b.imported END,
       "startedAt" = CASE WHEN b.status = 'done' THEN now()
                          ELSE b."startedAt" END,
       "finishedAt" = NULL,
       "updatedAt" = now()
     WHERE b.status IN ('done', 'failed')`,
    [shop.id, since],
  );
  return (await backfillStatus(shop.id))!;
}

/**
 * Records a backfill (see `recordBackfill`) and dispatches it. Returns the
 * status as recorded, before the run begins.
 */
export async function startBackfill(
  shop: { id: string },
  now = new Date(),
): Promise<BackfillStatus> {
  const status = await recordBackfill(shop, now);
  await dispatch(shop.id);
  logger.info({ shopId: shop.id }, "order backfill dispatched");
  return status;
}

/**
 * Dispatches every backfill that has not finished: pending ones, running
 * ones whose process died, and failed ones. Call it once at start-up.
 * Returns the shop ids dispatched.
 */
export async function resumeBackfills(): Promise<string[]> {
  const result = await pool.query<{ shopId: string }>(
    `SELECT "shopId" FROM "OrderBackfill"
     WHERE status IN ('pending', 'running', 'failed')
     ORDER BY "updatedAt"`,
  );
  const shopIds = result.rows.map((row) => row.shopId);
  for (const shopId of shopIds) await dispatch(shopId);
  if (shopIds.length > 0) {
    logger.info({ backfills: shopIds.length }, "order backfills resumed");
  }
  return shopIds;
}

/** Thrown when another run has saved the page first, so this run stops. */
class BackfillOvertakenError extends Error {}

export interface RunBackfillOptions {
  /** Reads pages. Defaults to the Admin API through the shop's session. */
  fetchPage?: OrdersPageFetcher;
  pageSize?: number;
}

/**
 * Imports the shop's orders from the saved cursor to the last page, then
 * marks the backfill done. On an error the backfill is marked failed with
 * the message and the error is rethrown. Returns without work when the
 * backfill is missing or done.
 */
export async function runBackfill(
  shopId: string,
  options: RunBackfillOptions = {},
): Promise<BackfillStatus | null> {
  const claimed = await pool.query<{
    since: Date;
    cursor: string | null;
    domain: string;
  }>(
    `UPDATE "OrderBackfill" b SET status = 'running', error = NULL,
       "updatedAt" = now()
     FROM "Shop" s
     WHERE b."shopId" = $1 AND s.id = b."shopId"
       AND b.status IN ('pending', 'running', 'failed')
     RETURNING b.since AT TIME ZONE 'UTC' AS since, b.cursor, s.domain`,
    [shopId],
  );
  const state = claimed.rows[0];
  if (!state) return backfillStatus(shopId);
  const log = logger.child({ shop: state.domain, shopId });
  log.info({ resumed: state.cursor !== null }, "order backfill started");

  try {
    const fetchPage =
      options.fetchPage ?? (await ordersPageFetcher(state.domain));
    // Quoted and in whole seconds, like the dates in Shopify's search syntax
    // examples (`created_at:'2025-05-07T08:37:00Z'`).
    const sinceText = state.since.toISOString().replace(/\.\d{3}Z$/, "Z");
    const query = `processed_at:>='${sinceText}'`;
    let cursor = state.cursor;
    for (;;) {
      const page = await fetchPage({
        first: options.pageSize ?? BACKFILL_PAGE_SIZE,
        after: cursor,
        query,
      });
      const orders = convertPage(page.nodes, log);
      const next = page.pageInfo.endCursor ?? cursor;
      await savePage(shopId, orders, cursor, next);
      cursor = next;
      if (!page.pageInfo.hasNextPage) break;
    }

    await pool.query(
      `UPDATE "OrderBackfill" SET status = 'done', "finishedAt" = now(),
         "updatedAt" = now()
       WHERE "shopId" = $1 AND status = 'running'`,
      [shopId],
    );
    const status = await backfillStatus(shopId);
    log.info({ imported: status?.imported }, "order backfill done");
    return status;
  } catch (error) {
    if (error instanceof BackfillOvertakenError) {
      log.warn("order backfill stopped: another run saved the same page");
      return backfillStatus(shopId);
    }
    const message = error instanceof Error ? error.message : String(error);
    await pool.query(
      `UPDATE "OrderBackfill" SET status = 'failed', error = $2,
         "updatedAt" = now()
       WHERE "shopId" = $1 AND status = 'running'`,
      [shopId, message],
    );
    log.error({ err: error }, "order backfill failed");
    throw error;
  }
}

// One malformed order must not stop the import of all the others, so it is
// logged and skipped.
function convertPage(
  nodes: Parameters<typeof orderFromGraphql>[0][],
  log: typeof logger,
): OrderInput[] {
  const orders: OrderInput[] = [];
  for (const node of nodes) {
    try {
      orders.push(orderFromGraphql(node));
    } catch (error) {
      if (!(error instanceof InvalidOrderPayloadError)) throw error;
      log.error(
        { orderId: node.id, problems: error.problems },
        "order skipped by the backfill",
      );
    }
  }
  return orders;
}

async function savePage(
  shopId: string,
  orders: OrderInput[],
  cursor: string | null,
  next: string | null,
): Promise<void> {
  await inTransaction(async (client) => {
    for (const order of orders) await storeOrder(client, shopId, order);
    // The cursor must still be where this run read the page from. If
    // another run has moved it, that run has stored this page already.
    const advanced = await client.query(
      `UPDATE "OrderBackfill" SET cursor = $3,
         imported = imported + $4, "updatedAt" = now()
       WHERE "shopId" = $1 AND status = 'running'
         AND cursor IS NOT DISTINCT FROM $2`,
      [shopId, cursor, next, orders.length],
    );
    if (advanced.rowCount === 0) throw new BackfillOvertakenError();
  });
}
