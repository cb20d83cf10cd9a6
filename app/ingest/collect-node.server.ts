import type { IncomingMessage, ServerResponse } from "node:http";
import { pool } from "../db.server";
import { logger } from "../logger.server";
import { ingestBatch, type IngestDeps } from "./handle-batch.server";
import { IngestError } from "./errors.server";
import { processAdmission, processWriter } from "./process-admission.server";
import { tooLarge } from "./read-body.server";

/** Maximum time a client may take to send a whole body. */
export const BODY_TIMEOUT_MS = 30_000;

/** Builds the 408 of a body that did not arrive in time. */
function bodyTimedOut(timeoutMs: number): IngestError {
  return new IngestError(
    408,
    "request_timeout",
    `The body did not arrive within ${timeoutMs / 1000} s: send the batch again`,
    undefined,
    { Connection: "close" },
  );
}

/** Builds the 400 of a body whose connection closed before its end. */
function bodyAborted(): IngestError {
  return new IngestError(
    400,
    "request_aborted",
    "The connection closed before the body was complete: send the batch again",
  );
}

/**
 * Reads a Node request body, rejecting it with 413 as soon as it exceeds
 * `maxBytes`, and with 408 when it is not complete after `timeoutMs`. The
 * rest of such a body is left unread, and the reply closes the connection.
 * A client that closes the connection mid-body gets a 400 it will not read,
 * so the log shows a client gone rather than a database error.
 */
export function readNodeBody(
  request: IncomingMessage,
  maxBytes: number,
  timeoutMs = BODY_TIMEOUT_MS,
): Promise<Uint8Array> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const fail = (error: IngestError) => {
      cleanup();
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        fail(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onAbort = () => fail(bodyAborted());
    const timer = setTimeout(() => fail(bodyTimedOut(timeoutMs)), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onAbort);
      request.off("close", onAbort);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onAbort);
    request.on("close", onAbort);
  });
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === "string" ? value : null;
}

/**
 * Creates the handler of `POST /collect` on Node's own HTTP server. The
 * endpoint takes every shopper's events, so it skips the framework's
 * request and response objects, routing and compression, and returns the
 * same JSON as the Remix route. The handler returns false for any other
 * request, which the caller passes on.
 */
export function createCollectHandler(
  deps: Partial<IngestDeps> & { bodyTimeoutMs?: number } = {},
) {
  const resolved: IngestDeps = {
    pool: deps.pool ?? pool,
    logger: deps.logger ?? logger,
    admission: deps.admission ?? processAdmission(),
    now: deps.now,
    writer: deps.writer ?? (deps.pool ? undefined : processWriter()),
  };
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== "POST") return false;
    const url = request.url ?? "";
    if (url !== "/collect" && !url.startsWith("/collect?")) return false;
    ingestBatch(
      {
        origin: header(request, "origin"),
        userAgent: header(request, "user-agent"),
        clientIp: request.socket.remoteAddress ?? null,
        readBody: (maxBytes) =>
          readNodeBody(request, maxBytes, deps.bodyTimeoutMs),
      },
      resolved,
    ).then(
      (reply) => {
        const body = JSON.stringify(reply.body);
        response.writeHead(reply.status, {
          ...reply.headers,
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
        });
        response.end(body);
      },
      (error: unknown) => {
        resolved.logger.error({ err: error }, "ingest batch failed");
        const body = JSON.stringify({
          error: {
            code: "internal_error",
            message: "The batch was not stored: retry the same batch later",
          },
        });
        response.writeHead(500, {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
        });
        response.end(body);
      },
    );
    return true;
  };
}
