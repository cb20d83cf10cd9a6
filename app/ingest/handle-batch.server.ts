import { isbot } from "isbot";
import type pg from "pg";
import type { Logger } from "pino";
import type { Admission } from "./admission.server";
import { batchSchema } from "./batch-schema.server";
import { databaseUnavailable } from "./database-errors.server";
import { assertAllowedOrigin, corsHeaders } from "./cors.server";
import { IngestError, fromZodError } from "./errors.server";
import type { BatchResponse } from "./payload-types";
import { MAX_BATCH_BYTES } from "./payload-types";
import {
  fieldWithNul,
  parseJsonObject,
  readBodyCapped,
} from "./read-body.server";
import { recordingDirective } from "../replay/recording-settings.server";
import { findShopForIngest } from "./shop-lookup.server";
import { writeBatch } from "./write-batch.server";

/**
 * Handles `POST /collect`: size cap, JSON, schema, shop, origin, then one
 * transaction. Every rejection is an `IngestError` rendered as one JSON shape.
 */
export async function handleBatch(
  request: Request,
  deps: {
    pool: pg.Pool;
    logger: Logger;
    now?: () => Date;
    /** Rate limits and the in-flight bound; absent, every batch is admitted. */
    admission?: Admission;
    /** Address of the client as the server socket saw it. */
    clientIp?: string | null;
  },
): Promise<Response> {
  const origin = request.headers.get("origin");
  const receivedAt = deps.now?.() ?? new Date();
  try {
    deps.admission?.checkIp(deps.clientIp);
    const bytes = await readBodyCapped(request, MAX_BATCH_BYTES);
    const json = parseJsonObject(bytes);
    const nulField = fieldWithNul(json);
    if (nulField !== null) {
      throw new IngestError(
        400,
        "invalid_field",
        `${nulField} contains a NUL character, which cannot be stored`,
        nulField,
      );
    }
    const parsed = batchSchema.safeParse(json);
    if (!parsed.success) throw fromZodError(parsed.error, json);
    const batch = parsed.data;
    deps.admission?.checkShop(batch.shop);

    const userAgent = request.headers.get("user-agent");
    const isBot = isbot(userAgent);
    const write = async () => {
      const shop = await findShopForIngest(deps.pool, batch.shop);
      assertAllowedOrigin(origin, shop, batch.source);
      const result = await writeBatch(deps.pool, shop, batch, {
        receivedAt,
        userAgent,
        isBot,
      });
      return { shop, result };
    };
    const { shop, result } = deps.admission
      ? await deps.admission.withSlot(write)
      : await write();
    deps.logger.info(
      {
        shop: shop.domain,
        batchId: batch.batchId,
        duplicate: result.duplicate,
        events: result.events,
        pages: result.pages,
      },
      "ingest batch",
    );
    const body: BatchResponse = {
      ok: true,
      duplicate: result.duplicate,
      snapshotPages: result.snapshotPages,
    };
    // Only the embed can record; the web pixel runs in a sandbox.
    if (!isBot && batch.source !== "pixel") {
      const recording = await recordingDirective(
        deps.pool,
        shop.id,
        batch.sessionId,
      );
      if (recording) body.recording = recording;
    }
    return Response.json(body, { headers: corsHeaders(origin) });
  } catch (error) {
    if (error instanceof IngestError) {
      const level = error.status >= 500 ? "warn" : "info";
      deps.logger[level](
        { status: error.status, code: error.code, field: error.field },
        "ingest batch rejected",
      );
      return error.toResponse(corsHeaders(origin));
    }
    const unavailable = databaseUnavailable(error);
    if (unavailable) {
      deps.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "ingest batch not written: database unavailable",
      );
      return unavailable.toResponse(corsHeaders(origin));
    }
    throw error;
  }
}
