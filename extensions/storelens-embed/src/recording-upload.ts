// Upload of recording chunks to `POST /collect/recording`: gzip in the
// browser, keepalive when the body is small enough, and retries that keep
// the chunk id, so the server stores each chunk once.

import { gzipSync } from "fflate";
import {
  PAYLOAD_VERSION,
  type RecordingChunkPayload,
  type RecordingMode,
} from "../../../app/ingest/payload-types";
import type { RrwebEvent } from "../../../app/replay/event-privacy";
import { uuid, type Identity } from "./identity";
import { guard, report } from "./log";
import { retryDelay } from "./transport";

/**
 * Largest body sent with `keepalive`. Browsers cap all keepalive bodies in
 * flight at 64 KiB together, and the event batches need their share.
 */
export const KEEPALIVE_CHUNK_BYTES = 32 * 1024;
/** Attempts per chunk, the first included. */
export const MAX_CHUNK_ATTEMPTS = 4;

export interface ChunkUploaderOptions {
  endpoint: string;
  shop: string;
  /** Current page view; a client-side navigation starts a new one. */
  page: () => string;
  identity: () => Identity;
  /** Called when the server turns the recording away for good. */
  onRejected: (status: number) => void;
}

export interface ChunkUploader {
  /**
   * Uploads events as the next chunk. With `final` (page exit) it
   * compresses synchronously, because a CompressionStream may not finish
   * before the page is gone.
   */
  send(events: RrwebEvent[], mode: RecordingMode, final: boolean): void;
  /** Drops retries still waiting, as when consent is withdrawn. */
  stop(): void;
  /** Compressed bytes handed to the network so far. */
  bytes(): number;
}

async function gzipStream(text: string): Promise<Uint8Array> {
  const stream = new Blob([text])
    .stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const encoder = new TextEncoder();

export function createChunkUploader(
  options: ChunkUploaderOptions,
): ChunkUploader {
  let seq = 0;
  let stopped = false;
  let sentBytes = 0;
  const timers: ReturnType<typeof setTimeout>[] = [];
  let seqPage = "";
  const urlOf = (page: string) =>
    options.endpoint.replace(/\/+$/, "") +
    "/recording?shop=" +
    encodeURIComponent(options.shop) +
    "&page=" +
    encodeURIComponent(page) +
    "&session=";

  function post(
    body: Uint8Array,
    page: string,
    sessionId: string,
    attempt: number,
  ) {
    if (stopped) return;
    sentBytes += attempt === 1 ? body.byteLength : 0;
    fetch(urlOf(page) + encodeURIComponent(sessionId), {
      method: "POST",
      // Both compressors return a Uint8Array over a plain ArrayBuffer.
      body: body as Uint8Array<ArrayBuffer>,
      // NOTE: a larger chunk sent on page exit may be cancelled with the
      // page. Uploads every few seconds keep the final chunk small.
      keepalive: body.byteLength <= KEEPALIVE_CHUNK_BYTES,
      headers: { "Content-Type": "text/plain", "Content-Encoding": "gzip" },
    }).then(
      guard((response: Response) => {
        if (response.ok) return;
        if (response.status === 429 || response.status >= 500) {
          retry(
            body,
            page,
            sessionId,
            attempt,
            response.headers.get("Retry-After"),
          );
        } else {
          report(`recording chunk rejected with ${response.status}`);
          if (response.status === 413 || response.status === 403) {
            options.onRejected(response.status);
          }
        }
      }),
      guard((error: unknown) => {
        report(error);
        retry(body, page, sessionId, attempt, null);
      }),
    );
  }

  function retry(
    body: Uint8Array,
    page: string,
    sessionId: string,
    attempt: number,
    retryAfter: string | null,
  ) {
    if (stopped || attempt >= MAX_CHUNK_ATTEMPTS) return;
    const delay = retryDelay(attempt, retryAfter, Date.now());
    timers.push(
      setTimeout(
        guard(() => post(body, page, sessionId, attempt + 1)),
        delay,
      ),
    );
  }

  return {
    send(events, mode, final) {
      if (stopped || events.length === 0) return;
      const { sessionId } = options.identity();
      const page = options.page();
      // Chunks are numbered within their page view.
      if (page !== seqPage) {
        seqPage = page;
        seq = 0;
      }
      const payload: RecordingChunkPayload = {
        v: PAYLOAD_VERSION,
        shop: options.shop,
        sessionId,
        pageViewId: page,
        chunkId: uuid(),
        seq: seq++,
        sentAt: Date.now(),
        mode,
        events,
      };
      const json = JSON.stringify(payload);
      if (final || typeof CompressionStream !== "function") {
        post(gzipSync(encoder.encode(json)), page, sessionId, 1);
        return;
      }
      gzipStream(json).then(
        guard((body: Uint8Array) => post(body, page, sessionId, 1)),
        report,
      );
    },
    stop() {
      stopped = true;
      timers.forEach(clearTimeout);
    },
    bytes: () => sentBytes,
  };
}
