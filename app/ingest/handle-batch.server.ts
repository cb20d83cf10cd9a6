import { isbot } from "isbot";
import type pg from "pg";
import type { Logger } from "pino";
import type { Admission } from "./admission.server";
import { batchSchema } from "./batch-schema.server";
import { databaseUnavailable } from "./database-errors.server";
import { corsHeaders } from "./cors.server";
import { IngestError, fromZodError } from "./errors.server";
import { writerFor, type IngestWriter } from "./ingest-writer.server";
import type { BatchResponse } from "./payload-types";
import { MAX_BATCH_BYTES } from "./payload-types";
import {
  fieldWithNul,
  mayHoldNul,
  parseJsonObject,
  readBodyCapped,
} from "./read-body.server";

/** User agents whose bot verdict is kept; a shop's traffic repeats a few. */
const BOT_VERDICTS_KEPT = 2_000;
/** Longer user agents are checked each time, so the map stays small. */
const MAX_REMEMBERED_AGENT_LENGTH = 512;
const botVerdicts = new Map<string, boolean>();

/** Runs `isbot` once per user agent, because its pattern is long. */
function isBotAgent(userAgent: string | null): boolean {
  if (!userAgent || userAgent.length > MAX_REMEMBERED_AGENT_LENGTH) {
    return isbot(userAgent);
  }
  let verdict = botVerdicts.get(userAgent);
  if (verdict === undefined) {
    verdict = isbot(userAgent);
    if (botVerdicts.size >= BOT_VERDICTS_KEPT) botVerdicts.clear();
    botVerdicts.set(userAgent, verdict);
  }
  return verdict;
}

export interface IngestDeps {
  pool: pg.Pool;
  logger: Logger;
  now?: () => Date;
  /** Rate limits and the in-flight bound; absent, every batch is admitted. */
  admission?: Admission;
  /** Group commit of the pool; the pool's own writer when absent. */
  writer?: IngestWriter;
}

/** `POST /collect` as the server saw it, whichever server that was. */
export interface IngestRequest {
  origin: string | null;
  userAgent: string | null;
  /** Address of the client as the server socket saw it. */
  clientIp?: string | null;
  /** Reads the body, throwing 413 as soon as it exceeds `maxBytes`. */
  readBody(maxBytes: number): Promise<Uint8Array>;
}

/** Response to `POST /collect`, rendered by the server that received it. */
export interface IngestReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Handles `POST /collect`: size cap, JSON, schema, rate limits, then the
 * group commit, which checks the shop, the origin and the batch's page
 * views and visit. Every rejection is an `IngestError` rendered as one JSON
 * shape.
 */
export async function ingestBatch(
  request: IngestRequest,
  deps: IngestDeps,
): Promise<IngestReply> {
  const { origin } = request;
  const receivedAt = deps.now?.() ?? new Date();
  try {
    deps.admission?.checkIp(request.clientIp);
    const bytes = await request.readBody(MAX_BATCH_BYTES);
    const json = parseJsonObject(bytes);
    const nulField = mayHoldNul(bytes) ? fieldWithNul(json) : null;
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

    const { userAgent } = request;
    const writer = deps.writer ?? writerFor(deps.pool, deps.logger);
    const write = () =>
      writer.write({
        batch,
        origin,
        context: { receivedAt, userAgent, isBot: isBotAgent(userAgent) },
      });
    const outcome = deps.admission
      ? await deps.admission.withSlot(write)
      : await write();
    if (!outcome.ok) throw outcome.error;
    const { shop, result, recording } = outcome;
    deps.logger.debug(
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
    if (recording) body.recording = recording;
    return { status: 200, headers: corsHeaders(origin), body };
  } catch (error) {
    if (error instanceof IngestError) {
      const level = error.status >= 500 ? "warn" : "info";
      deps.logger[level](
        { status: error.status, code: error.code, field: error.field },
        "ingest batch rejected",
      );
      return errorReply(error, origin);
    }
    const unavailable = databaseUnavailable(error);
    if (unavailable) {
      deps.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "ingest batch not written: database unavailable",
      );
      return errorReply(unavailable, origin);
    }
    throw error;
  }
}

function errorReply(error: IngestError, origin: string | null): IngestReply {
  return {
    status: error.status,
    headers: { ...corsHeaders(origin), ...error.headers },
    body: error.body(),
  };
}

/** `ingestBatch` for a Fetch API request, as Remix routes receive it. */
export async function handleBatch(
  request: Request,
  deps: IngestDeps & { clientIp?: string | null },
): Promise<Response> {
  const reply = await ingestBatch(
    {
      origin: request.headers.get("origin"),
      userAgent: request.headers.get("user-agent"),
      clientIp: deps.clientIp,
      readBody: (maxBytes) => readBodyCapped(request, maxBytes),
    },
    deps,
  );
  return Response.json(reply.body, {
    status: reply.status,
    headers: reply.headers,
  });
}
