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
import { corsHeaders, isAllowedOrigin } from "./cors.server";
import { IngestError, fromZodError } from "./errors.server";
import { PAYLOAD_VERSION } from "./payload-types";
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

/**
 * Handles `POST /collect/snapshot`: stores the DOM snapshot of a page view
 * that a batch response asked for. Uploads nobody asked for get 409, so one
 * shopper's browser cannot overwrite the day's snapshot.
 */
export async function handleSnapshot(
  request: Request,
  deps: { pool: pg.Pool; logger: Logger },
): Promise<Response> {
  const origin = request.headers.get("origin");
  try {
    const raw = await readBodyCapped(request, MAX_SNAPSHOT_UPLOAD_BYTES);
    const json = parseJsonObject(await decode(request, raw));
    const parsed = snapshotSchema.safeParse(json);
    if (!parsed.success) throw fromZodError(parsed.error, json);
    const snapshot = parsed.data;

    const shop = await findShopForIngest(deps.pool, snapshot.shop);
    if (!isAllowedOrigin(origin, shop.domain, shop.storefrontOrigins)) {
      throw new IngestError(
        403,
        "origin_not_allowed",
        `origin ${origin} is not a storefront of ${shop.domain}`,
      );
    }

    const data = await gzip(JSON.stringify(snapshot.node));
    const updated = await deps.pool.query(
      `UPDATE "PageSnapshot" SET
         data = $3, "byteSize" = $4, "viewportWidth" = $5,
         "viewportHeight" = $6, "documentHeight" = $7
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
      ],
    );
    if (updated.rowCount === 0) {
      throw new IngestError(
        409,
        "snapshot_not_requested",
        "No snapshot was requested for this page view, or one is already stored",
        "page",
      );
    }
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
      return Response.json(error.body(), {
        status: error.status,
        headers: corsHeaders(origin),
      });
    }
    throw error;
  }
}
