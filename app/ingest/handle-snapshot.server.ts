import { promisify } from "node:util";
import zlib from "node:zlib";
import type pg from "pg";
import type { Logger } from "pino";
import { z } from "zod";
import {
  deviceSchema,
  pathSchema,
  SHOP_DOMAIN_PATTERN,
} from "./batch-schema.server";
import { assertAllowedOrigin, corsHeaders } from "./cors.server";
import { bandOf } from "../analytics/viewport-bands";
import { IngestError, fromZodError } from "./errors.server";
import { KEY_ELEMENT_NAMES, PAYLOAD_VERSION } from "./payload-types";
import { parseJsonObject, readBodyCapped } from "./read-body.server";
import { findShopForIngest } from "./shop-lookup.server";

const gunzip = promisify(zlib.gunzip);
const gzip = promisify(zlib.gzip);

/** Compressed upload limit; a storefront page snapshot is 50-400 KiB gzipped. */
export const MAX_SNAPSHOT_UPLOAD_BYTES = 2 * 1024 * 1024;
/** Limit after decompression, against gzip bombs. */
export const MAX_SNAPSHOT_JSON_BYTES = 12 * 1024 * 1024;

const dimension = z
  .number("must be a whole number of CSS pixels")
  .int("must be a whole number of CSS pixels")
  .min(1, "must be at least 1")
  .max(1_000_000, "must be at most 1000000");

const shopDomain = z
  .string("must be a string")
  .regex(SHOP_DOMAIN_PATTERN, "must be a *.myshopify.com domain");

const snapshotTargetSchema = z.object({
  shop: shopDomain,
  page: z.guid("must be a UUID"),
});

const snapshotSchema = z.object({
  v: z.literal(PAYLOAD_VERSION, `must be ${PAYLOAD_VERSION}`),
  shop: z
    .string("must be a string")
    .regex(SHOP_DOMAIN_PATTERN, "must be a *.myshopify.com domain"),
  page: z.guid("must be a UUID"),
  path: pathSchema,
  device: deviceSchema,
  viewportWidth: dimension.max(20_000, "must be at most 20000"),
  viewportHeight: dimension.max(20_000, "must be at most 20000"),
  documentHeight: dimension,
  node: z
    .object(
      { type: z.number("must be an rrweb node type") },
      "must be a serialized rrweb-snapshot document",
    )
    .loose(),
  keyElements: z
    .array(
      z.object({
        name: z.enum(KEY_ELEMENT_NAMES, {
          error: `must be one of ${KEY_ELEMENT_NAMES.join(", ")}`,
        }),
        top: z
          .number("must be a number of CSS pixels")
          .min(0, "must not be negative")
          .max(1_000_000, "must be at most 1000000"),
      }),
      "must be an array",
    )
    .max(KEY_ELEMENT_NAMES.length, "must list each key element once")
    .optional(),
});

async function decode(
  request: Request,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  const encoding = request.headers.get("content-encoding")?.toLowerCase();
  if (!encoding || encoding === "identity") return bytes;
  if (encoding !== "gzip") {
    throw new IngestError(
      415,
      "unsupported_encoding",
      `Content-Encoding ${encoding} is not supported: send gzip or plain JSON`,
    );
  }
  try {
    return await gunzip(bytes, { maxOutputLength: MAX_SNAPSHOT_JSON_BYTES });
  } catch (error) {
    const tooBig =
      error instanceof RangeError ||
      (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    throw tooBig
      ? new IngestError(
          413,
          "payload_too_large",
          `The snapshot exceeds ${MAX_SNAPSHOT_JSON_BYTES} bytes once decompressed`,
        )
      : new IngestError(
          400,
          "invalid_gzip",
          "The body is not valid gzip data: compress it with CompressionStream('gzip')",
        );
  }
}

/** Deepest nesting and most nodes a page snapshot may have. */
const MAX_NODE_DEPTH = 1_000;
const MAX_NODES = 250_000;

/**
 * Checks the shape of an rrweb-snapshot tree without recursion: every node
 * is an object with a numeric type and, if any, an array of child nodes.
 * Returns the reason it is unusable, or null.
 */
export function invalidSnapshotTree(root: unknown): string | null {
  const pending: [unknown, number][] = [[root, 1]];
  let nodes = 0;
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (++nodes > MAX_NODES) return `has more than ${MAX_NODES} nodes`;
    if (depth > MAX_NODE_DEPTH) {
      return `nests deeper than ${MAX_NODE_DEPTH} levels`;
    }
    if (node === null || typeof node !== "object" || Array.isArray(node)) {
      return "contains a node that is not an object";
    }
    const { type, childNodes } = node as {
      type?: unknown;
      childNodes?: unknown;
    };
    if (typeof type !== "number")
      return "contains a node without a numeric type";
    if (childNodes === undefined) continue;
    if (!Array.isArray(childNodes))
      return "contains childNodes that is not an array";
    for (const child of childNodes) pending.push([child, depth + 1]);
  }
  return null;
}

async function requestedSnapshot(
  pool: pg.Pool,
  shopId: string,
  pageViewId: string,
): Promise<boolean> {
  const result = await pool.query(
    `SELECT 1 FROM "PageSnapshot"
     WHERE "shopId" = $1 AND "pageViewId" = $2 AND "byteSize" = 0`,
    [shopId, pageViewId],
  );
  return (result.rowCount ?? 0) > 0;
}

const notRequested = () =>
  new IngestError(
    409,
    "snapshot_not_requested",
    "No snapshot was requested for this page view, or one is already stored",
    "page",
    // The body is left unread, so the connection cannot be reused.
    { Connection: "close" },
  );

/**
 * Rejects a snapshot whose viewport left the band its slot was claimed for
 * (a rotated tablet, a resized window): drawn under that band's heatmap it
 * would show another layout. The claim then passes to a later page view.
 */
async function assertSameBand(
  pool: pg.Pool,
  shopId: string,
  snapshot: { page: string; viewportWidth: number },
): Promise<void> {
  const claimed = await pool.query<{ band: string }>(
    `SELECT band FROM "PageSnapshot"
     WHERE "shopId" = $1 AND "pageViewId" = $2 AND "byteSize" = 0`,
    [shopId, snapshot.page],
  );
  const band = claimed.rows[0]?.band;
  if (band === undefined || band === bandOf(snapshot.viewportWidth).id) return;
  throw new IngestError(
    409,
    "viewport_band_changed",
    `viewportWidth ${snapshot.viewportWidth} is outside the ${band} px band the snapshot was requested for: a later page view in that band will take it`,
    "viewportWidth",
  );
}

/**
 * Handles `POST /collect/snapshot?shop=...&page=...`: stores the DOM
 * snapshot of a page view that a batch response asked for. The shop and
 * page view in the URL are checked before the body is read, so an
 * unrequested upload costs no decompression. It gets 409, and one
 * shopper's browser cannot overwrite the day's snapshot.
 */
export async function handleSnapshot(
  request: Request,
  deps: { pool: pg.Pool; logger: Logger },
): Promise<Response> {
  const origin = request.headers.get("origin");
  try {
    const query = new URL(request.url).searchParams;
    const target = snapshotTargetSchema.safeParse({
      shop: query.get("shop") ?? undefined,
      page: query.get("page") ?? undefined,
    });
    if (!target.success) {
      throw fromZodError(target.error, {
        shop: query.get("shop") ?? undefined,
        page: query.get("page") ?? undefined,
      });
    }
    const shop = await findShopForIngest(deps.pool, target.data.shop);
    assertAllowedOrigin(origin, shop);
    if (!(await requestedSnapshot(deps.pool, shop.id, target.data.page))) {
      throw notRequested();
    }

    const raw = await readBodyCapped(request, MAX_SNAPSHOT_UPLOAD_BYTES);
    const json = parseJsonObject(await decode(request, raw));
    const parsed = snapshotSchema.safeParse(json);
    if (!parsed.success) throw fromZodError(parsed.error, json);
    const snapshot = parsed.data;
    if (snapshot.shop !== shop.domain || snapshot.page !== target.data.page) {
      throw new IngestError(
        400,
        "invalid_field",
        "shop and page in the body must match the query string",
        snapshot.shop !== shop.domain ? "shop" : "page",
      );
    }
    const treeProblem = invalidSnapshotTree(snapshot.node);
    if (treeProblem) {
      throw new IngestError(
        400,
        "invalid_field",
        `node ${treeProblem}: send an rrweb-snapshot document`,
        "node",
      );
    }

    await assertSameBand(deps.pool, shop.id, snapshot);
    const data = await gzip(JSON.stringify(snapshot.node));
    const updated = await deps.pool.query(
      `UPDATE "PageSnapshot" SET
         data = $3, "byteSize" = $4, "viewportWidth" = $5,
         "viewportHeight" = $6, "documentHeight" = $7, "keyElements" = $10
       WHERE "shopId" = $1 AND "pageViewId" = $2 AND "byteSize" = 0
         AND path = $8 AND device = $9`,
      [
        shop.id,
        snapshot.page,
        data,
        data.byteLength,
        snapshot.viewportWidth,
        snapshot.viewportHeight,
        snapshot.documentHeight,
        snapshot.path,
        snapshot.device,
        snapshot.keyElements ? JSON.stringify(snapshot.keyElements) : null,
      ],
    );
    if (updated.rowCount === 0) throw notRequested();
    deps.logger.info(
      { shop: shop.domain, bytes: data.byteLength, device: snapshot.device },
      "page snapshot stored",
    );
    return Response.json({ ok: true }, { headers: corsHeaders(origin) });
  } catch (error) {
    if (error instanceof IngestError) {
      deps.logger.info(
        { status: error.status, code: error.code, field: error.field },
        "page snapshot rejected",
      );
      return error.toResponse(corsHeaders(origin));
    }
    throw error;
  }
}
