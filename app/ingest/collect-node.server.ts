import type { IncomingMessage, ServerResponse } from "node:http";
import { pool } from "../db.server";
import { logger } from "../logger.server";
import { ingestBatch, type IngestDeps } from "./handle-batch.server";
import { processAdmission, processWriter } from "./process-admission.server";
import { tooLarge } from "./read-body.server";

/**
 * Reads a Node request body, rejecting it with 413 as soon as it exceeds
 * `maxBytes`. The rest of an oversized body is left unread; the reply
 * closes the connection.
 */
export function readNodeBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<Uint8Array> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        cleanup();
        request.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
  });
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === "string" ? value : null;
}

/**
 * `POST /collect` straight on Node's HTTP server. The endpoint takes every
 * shopper's events, so it skips the framework's request and response
 * objects, routing and compression, and answers the same JSON as the Remix
 * route. Returns false for any other request, which the caller passes on.
 */
export function createCollectHandler(deps: Partial<IngestDeps> = {}) {
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
        readBody: (maxBytes) => readNodeBody(request, maxBytes),
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
