import { promisify } from "node:util";
import zlib from "node:zlib";
import type pg from "pg";
import type { Logger } from "pino";
import { z } from "zod";
import { SHOP_DOMAIN_PATTERN } from "~/ingest/batch-schema.server";
import { assertAllowedOrigin, corsHeaders } from "~/ingest/cors.server";
import { IngestError, fromZodError } from "~/ingest/errors.server";
import {
  MAX_RECORDING_CHUNK_BYTES,
  PAYLOAD_VERSION,
  RECORDING_STOPPED_TAG,
} from "~/ingest/payload-types";
import { parseJsonObject, readBodyCapped } from "~/ingest/read-body.server";
import {
  clockCorrection,
  observeClock,
  storedClock,
} from "~/ingest/clock-offset.server";
import { findShopForIngest } from "~/ingest/shop-lookup.server";
import { withTransaction } from "~/transaction.server";
import { EVENT_CUSTOM, maskEvent } from "./event-privacy";
import { loadRecordingSettings } from "./recording-settings.server";
import {
  extractStylesheets,
  referencedStylesheets,
  storeStylesheets,
  touchStylesheets,
} from "./stylesheets.server";

const gunzip = promisify(zlib.gunzip);
const gzip = promisify(zlib.gzip);

/**
 * Limit after decompression, against gzip bombs. rrweb JSON compresses
 * about 10:1, so a full upload stays well below it.
 */
export const MAX_RECORDING_CHUNK_JSON_BYTES = 8 * 1024 * 1024;
/** Events in one chunk; the recorder uploads every few seconds. */
export const MAX_EVENTS_PER_CHUNK = 20_000;
/** Stored bytes per visit; uploads past it get 413 and the recorder stops. */
export const MAX_RECORDING_SESSION_BYTES = 16 * 1024 * 1024;
/** Highest chunk sequence number a page view may reach. */
const MAX_CHUNK_SEQ = 100_000;
/** A stylesheet reference: the SHA-256 of the CSS text, in hex. */
const STYLESHEET_HASH = /^[0-9a-f]{64}$/;

const targetSchema = z.object({
  shop: z
    .string("must be a string")
    .regex(SHOP_DOMAIN_PATTERN, "must be a *.myshopify.com domain"),
  session: z.guid("must be a UUID"),
  page: z.guid("must be a UUID"),
});

const eventSchema = z
  .object({
    type: z
      .number("must be an rrweb event type")
      .int("must be an rrweb event type")
      .min(0, "must be an rrweb event type")
      .max(6, "must be an rrweb event type"),
    timestamp: z
      .number("must be epoch milliseconds")
      .finite("must be epoch milliseconds")
      .positive("must be epoch milliseconds"),
  })
  .loose();

const chunkSchema = z.object({
  v: z.literal(PAYLOAD_VERSION, `must be ${PAYLOAD_VERSION}`),
  shop: z.string("must be a string"),
  sessionId: z.guid("must be a UUID"),
  pageViewId: z.guid("must be a UUID"),
  chunkId: z.guid("must be a UUID"),
  seq: z
    .number("must be a whole number")
    .int("must be a whole number")
    .min(0, "must be at least 0")
    .max(MAX_CHUNK_SEQ, `must be at most ${MAX_CHUNK_SEQ}`),
  sentAt: z.number("must be epoch milliseconds").finite().positive(),
  mode: z.enum(["session", "friction"], {
    error: "must be session or friction",
  }),
  events: z
    .array(eventSchema, "must be an array of rrweb events")
    .min(1, "must contain at least one event")
    .max(MAX_EVENTS_PER_CHUNK, `must have at most ${MAX_EVENTS_PER_CHUNK}`),
});

type Chunk = z.infer<typeof chunkSchema>;

/** Decompresses a gzip body within MAX_RECORDING_CHUNK_JSON_BYTES. */
export async function gunzipChunk(
  request: Request,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  const encoding = request.headers.get("content-encoding")?.toLowerCase();
  if (encoding !== "gzip") {
    throw new IngestError(
      415,
      "unsupported_encoding",
      "Recording chunks must be sent with Content-Encoding: gzip",
    );
  }
  try {
    return await gunzip(bytes, {
      maxOutputLength: MAX_RECORDING_CHUNK_JSON_BYTES,
    });
  } catch (error) {
    const tooBig =
      error instanceof RangeError ||
      (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    throw tooBig
      ? new IngestError(
          413,
          "payload_too_large",
          `The chunk exceeds ${MAX_RECORDING_CHUNK_JSON_BYTES} bytes once decompressed`,
        )
      : new IngestError(
          400,
          "invalid_gzip",
          "The body is not complete gzip data: compress the whole chunk with CompressionStream('gzip')",
        );
  }
}

interface RecordingTarget {
  sessionKnown: boolean;
  pageInSession: boolean;
  storedBytes: number;
}

async function loadTarget(
  pool: pg.Pool,
  shopId: string,
  sessionId: string,
  pageViewId: string,
): Promise<RecordingTarget> {
  const result = await pool.query<RecordingTarget>(
    `SELECT
       EXISTS (SELECT 1 FROM "VisitorSession"
               WHERE "shopId" = $1 AND id = $2) AS "sessionKnown",
       EXISTS (SELECT 1 FROM "PageView"
               WHERE "shopId" = $1 AND id = $3 AND "sessionId" = $2)
         AS "pageInSession",
       COALESCE((SELECT "byteSize" FROM "Recording"
                 WHERE "shopId" = $1 AND "sessionId" = $2), 0)
         AS "storedBytes"`,
    [shopId, sessionId, pageViewId],
  );
  return result.rows[0];
}

function stoppedReasonOf(events: Chunk["events"]): string | null {
  for (const event of events) {
    const data = event.data as { tag?: unknown; payload?: unknown };
    if (event.type === EVENT_CUSTOM && data?.tag === RECORDING_STOPPED_TAG) {
      const reason = (data.payload as { reason?: unknown } | null)?.reason;
      return typeof reason === "string" ? reason.slice(0, 40) : "unknown";
    }
  }
  return null;
}

/**
 * Handles `POST /collect/recording?shop=...&session=...&page=...`: checks
 * the shop, origin, visit and page view before reading the body, then the
 * size, gzip integrity and shape of the chunk. The events are masked again
 * and stored gzip-compressed, once per chunk id however often the browser
 * retries.
 */
export async function handleRecordingChunk(
  request: Request,
  deps: { pool: pg.Pool; logger: Logger; now?: () => Date },
): Promise<Response> {
  const origin = request.headers.get("origin");
  const receivedAt = deps.now?.() ?? new Date();
  let bodyRead = false;
  try {
    const query = new URL(request.url).searchParams;
    const raw = {
      shop: query.get("shop") ?? undefined,
      session: query.get("session") ?? undefined,
      page: query.get("page") ?? undefined,
    };
    const target = targetSchema.safeParse(raw);
    if (!target.success) throw fromZodError(target.error, raw);
    const { session, page } = target.data;
    const shop = await findShopForIngest(deps.pool, target.data.shop);
    assertAllowedOrigin(origin, shop);
    const settings = await loadRecordingSettings(deps.pool, shop.id);
    if (settings.sampleRate === 0 && !settings.frictionCapture) {
      throw new IngestError(
        403,
        "recording_disabled",
        `session replay is switched off for ${shop.domain}`,
      );
    }
    const known = await loadTarget(deps.pool, shop.id, session, page);
    if (!known.sessionKnown) {
      throw new IngestError(
        404,
        "unknown_session",
        "No visit with this session id: send an event batch to /collect first",
        "session",
        { Connection: "close" },
      );
    }
    if (!known.pageInSession) {
      throw new IngestError(
        409,
        "unknown_page_view",
        "The page view does not belong to this session",
        "page",
        { Connection: "close" },
      );
    }

    bodyRead = true;
    const body = await readBodyCapped(request, MAX_RECORDING_CHUNK_BYTES);
    if (known.storedBytes + body.byteLength > MAX_RECORDING_SESSION_BYTES) {
      throw new IngestError(
        413,
        "recording_too_large",
        `The visit's recording is over its budget of ${MAX_RECORDING_SESSION_BYTES} bytes: stop recording`,
      );
    }
    const json = parseJsonObject(await gunzipChunk(request, body));
    const parsed = chunkSchema.safeParse(json);
    if (!parsed.success) throw fromZodError(parsed.error, json);
    const chunk = parsed.data;
    if (chunk.shop !== shop.domain) {
      throw new IngestError(
        400,
        "invalid_field",
        "shop must match the query string",
        "shop",
      );
    }
    if (chunk.sessionId !== session || chunk.pageViewId !== page) {
      const field = chunk.sessionId !== session ? "sessionId" : "pageViewId";
      throw new IngestError(
        400,
        "invalid_field",
        `${field} must match the query string`,
        field,
      );
    }

    const stored = await storeChunk(deps.pool, shop.id, chunk, receivedAt);
    deps.logger.info(
      {
        shop: shop.domain,
        chunkId: chunk.chunkId,
        duplicate: stored.duplicate,
        events: chunk.events.length,
        bytes: stored.bytes,
      },
      "recording chunk",
    );
    return Response.json(
      { ok: true, duplicate: stored.duplicate },
      { headers: corsHeaders(origin) },
    );
  } catch (error) {
    if (error instanceof IngestError) {
      deps.logger.info(
        { status: error.status, code: error.code, field: error.field },
        "recording chunk rejected",
      );
      const response = error.toResponse(corsHeaders(origin));
      // A reply sent before the body was read closes the connection, so
      // the server reads no more of a body it will not use.
      if (!bodyRead) response.headers.set("Connection", "close");
      return response;
    }
    throw error;
  }
}

/** Max hashes a rejection names, so that its size does not grow with the chunk's. */
const MAX_LISTED_HASHES = 5;

function listOf(hashes: string[]): string {
  const listed = hashes.slice(0, MAX_LISTED_HASHES).join(", ");
  const more = hashes.length - MAX_LISTED_HASHES;
  return more > 0 ? `${listed} and ${more} more` : listed;
}

async function storeChunk(
  pool: pg.Pool,
  shopId: string,
  chunk: Chunk,
  receivedAt: Date,
): Promise<{ duplicate: boolean; bytes: number }> {
  const events = chunk.events.map((event) => maskEvent(event));
  // The recorder sends a stylesheet once per visit and then only its hash.
  // Each hash must name a stylesheet this shop already stored, which the
  // server hashed itself from CSS it received.
  const references = referencedStylesheets(events);
  for (const hash of references) {
    if (!STYLESHEET_HASH.test(hash)) {
      throw new IngestError(
        400,
        "invalid_field",
        `stylesheet reference ${JSON.stringify(hash.slice(0, 80))} must be a hex SHA-256`,
        "events",
      );
    }
  }
  const stylesheets = extractStylesheets(events);
  const data = await gzip(JSON.stringify(events));
  let first = Infinity;
  let last = -Infinity;
  for (const event of events) {
    first = Math.min(first, event.timestamp);
    last = Math.max(last, event.timestamp);
  }

  return withTransaction(pool, async (client) => {
    const missing = await touchStylesheets(client, shopId, references);
    if (missing.length > 0) {
      throw new IngestError(
        409,
        "unknown_stylesheet",
        `No stylesheet stored with hash ${listOf(missing)}: send the chunk again with the CSS inline`,
        "events",
      );
    }
    // Browser clocks drift: events move onto the server clock by the
    // visit's offset estimate, the one its event batches use (see
    // clock-offset.server.ts), clamped to the month before receipt.
    const session = await client.query<{
      clockOffsetMs: number | null;
      clockObservedAt: Date | null;
    }>(
      `SELECT "clockOffsetMs", "clockObservedAt" FROM "VisitorSession"
       WHERE "shopId" = $1 AND id = $2`,
      [shopId, chunk.sessionId],
    );
    const clock = observeClock(
      session.rows[0] ? storedClock(session.rows[0]) : null,
      chunk.sentAt,
      receivedAt.getTime(),
    );
    const offset = clock.offsetMs;
    const corrected = clockCorrection(clock, receivedAt);
    const firstAt = corrected(first);
    const lastAt = corrected(last);

    const inserted = await client.query(
      `INSERT INTO "RecordingChunk" ("shopId", id, "sessionId", "pageViewId",
         seq, "firstAt", "lastAt", "eventCount", "byteSize", data, "receivedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT ("shopId", id) DO NOTHING`,
      [
        shopId,
        chunk.chunkId,
        chunk.sessionId,
        chunk.pageViewId,
        chunk.seq,
        firstAt,
        lastAt,
        events.length,
        data.byteLength,
        data,
        receivedAt,
      ],
    );
    if (inserted.rowCount === 0) return { duplicate: true, bytes: 0 };
    await client.query(
      `UPDATE "VisitorSession" SET "clockOffsetMs" = $3, "clockObservedAt" = $4
       WHERE "shopId" = $1 AND id = $2`,
      [shopId, chunk.sessionId, clock.offsetMs, new Date(clock.observedAt)],
    );
    await storeStylesheets(client, shopId, stylesheets);
    await client.query(
      `INSERT INTO "Recording" ("shopId", "sessionId", reason, "clockOffsetMs",
         "startedAt", "endedAt", "chunkCount", "eventCount", "byteSize",
         "stoppedReason", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, now())
       ON CONFLICT ("shopId", "sessionId") DO UPDATE SET
         "startedAt" = LEAST("Recording"."startedAt", EXCLUDED."startedAt"),
         "endedAt" = GREATEST("Recording"."endedAt", EXCLUDED."endedAt"),
         "chunkCount" = "Recording"."chunkCount" + 1,
         "eventCount" = "Recording"."eventCount" + EXCLUDED."eventCount",
         "byteSize" = "Recording"."byteSize" + EXCLUDED."byteSize",
         "stoppedReason" = COALESCE(EXCLUDED."stoppedReason",
                                    "Recording"."stoppedReason"),
         "updatedAt" = now()`,
      [
        shopId,
        chunk.sessionId,
        chunk.mode === "friction" ? "friction" : "sample",
        offset,
        firstAt,
        lastAt,
        events.length,
        data.byteLength,
        stoppedReasonOf(events),
      ],
    );
    return { duplicate: false, bytes: data.byteLength };
  });
}
