// Upload of recording chunks to `POST /collect/recording`: gzip in the
// browser, keepalive within the page's shared quota, and retries that keep
// the chunk id, so the server stores each chunk once.
//
// On page exit the event batches take the keepalive quota first, because
// they carry the revenue data. Chunks still being compressed are then
// compressed at once, and the final chunk gets what the batches leave. A
// chunk that does not fit, and any earlier chunk still unsent without
// keepalive, is stored in localStorage (unsent-chunks.ts) and sent again
// by the recorder of the visit's next page. It is also posted without keepalive at once, in
// case the page lives on (a hidden tab), and removed from storage once the
// server has taken it.

import { gzipSync } from "fflate";
import {
  KEEPALIVE_MAX_BYTES,
  PAYLOAD_VERSION,
  type RecordingChunkPayload,
  type RecordingMode,
} from "../../../app/ingest/payload-types";
import type { RrwebEvent } from "../../../app/replay/event-privacy";
import { uuid, type Identity } from "./identity";
import type { KeepaliveQuota } from "./keepalive-quota";
import { guard, report } from "./log";
import type { StylesheetCache } from "./stylesheet-cache";
import {
  MAX_UNSENT_RECORDING_CHARS,
  decodeBody,
  encodeBody,
  readStoredChunks,
  writeStoredChunks,
} from "./unsent-chunks";
import { retryDelay } from "./transport";

/**
 * Keepalive bytes in flight up to which a chunk uses keepalive while the
 * page is open: half the quota, so the event batches of a sudden exit find
 * the other half free.
 */
export const RECORDING_KEEPALIVE_LIMIT_BYTES = KEEPALIVE_MAX_BYTES / 2;
/** Attempts per chunk, the first included. */
export const MAX_CHUNK_ATTEMPTS = 4;
/** A chunk until the server has taken or rejected it. */
interface OpenChunk {
  id: string;
  page: string;
  session: string;
  body: Uint8Array;
  /** Whether the attempt in flight uses keepalive, so outlives the page. */
  keepalive: boolean;
  /** Whether it is in storage, from this page's exit or an earlier one. */
  stored: boolean;
  /** Whether an earlier page made it: its bytes count for that page. */
  resent: boolean;
  /** The chunk before compression, kept to inline its stylesheets again. */
  payload?: RecordingChunkPayload;
  /** Hashes of the stylesheets sent inline, stored once the server takes it. */
  inlined: string[];
}

export interface ChunkUploaderOptions {
  endpoint: string;
  shop: string;
  /** Current page view; a client-side navigation starts a new one. */
  page: () => string;
  identity: () => Identity;
  /** Called when the server turns the recording away for good. */
  onRejected: (status: number) => void;
  /** Keepalive bytes in flight, shared with the event batches. */
  quota: KeepaliveQuota;
  /** Storage, such as `localStorage`, for chunks left at page exit. */
  storage: () => Storage | undefined;
  /** Stylesheets the server stores for this visit; all inline without. */
  stylesheets?: StylesheetCache;
}

export interface ChunkUploader {
  /**
   * Uploads events as the next chunk. With `final` (page exit) it
   * compresses synchronously, because a CompressionStream may not finish
   * before the page is gone, and stores what cannot outlive the page.
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
  // Chunks not yet taken or rejected by the server, by chunk id.
  const open = new Map<string, OpenChunk>();
  // Senders of the chunks still being hashed or compressed, by chunk id.
  const preparing = new Map<string, (exit: boolean) => void>();
  const urlOf = (chunk: OpenChunk) =>
    options.endpoint.replace(/\/+$/, "") +
    "/recording?shop=" +
    encodeURIComponent(options.shop) +
    "&page=" +
    encodeURIComponent(chunk.page) +
    "&session=" +
    encodeURIComponent(chunk.session);

  /** Stores the open chunks that cannot outlive the page. */
  function storeOpen() {
    const stored = readStoredChunks(options.storage());
    let chars = stored.reduce((sum, chunk) => sum + chunk.body.length, 0);
    let added = false;
    for (const chunk of open.values()) {
      if (chunk.keepalive || chunk.stored) continue;
      const body = encodeBody(chunk.body);
      if (chars + body.length > MAX_UNSENT_RECORDING_CHARS) {
        report(`recording chunk ${chunk.id} too large to store`);
        continue;
      }
      chars += body.length;
      chunk.stored = added = true;
      stored.push({
        shop: options.shop,
        id: chunk.id,
        page: chunk.page,
        session: chunk.session,
        body,
      });
    }
    if (added) writeStoredChunks(options.storage(), stored);
  }

  /** Forgets a chunk that the server took or rejected for good. */
  function close(chunk: OpenChunk) {
    open.delete(chunk.id);
    if (chunk.stored) {
      const storage = options.storage();
      const rest = readStoredChunks(storage).filter(
        (stored) => stored.id !== chunk.id,
      );
      writeStoredChunks(storage, rest);
    }
  }

  function post(chunk: OpenChunk, attempt: number, final: boolean) {
    if (stopped) return;
    open.set(chunk.id, chunk);
    const size = chunk.body.byteLength;
    if (attempt === 1 && !chunk.resent) sentBytes += size;
    chunk.keepalive = options.quota.take(
      size,
      final ? KEEPALIVE_MAX_BYTES : RECORDING_KEEPALIVE_LIMIT_BYTES,
    );
    const keepalive = chunk.keepalive;
    if (final) storeOpen();
    // The response to an exit chunk arrives after the page is gone, so its
    // stylesheets count as stored once it leaves with keepalive. The next
    // page sends them inline again if the server reports that it lacks one.
    if (final && keepalive && options.stylesheets) {
      options.stylesheets.confirm(chunk.inlined, chunk.session);
    }
    const settle = () => {
      if (keepalive) options.quota.release(size);
      chunk.keepalive = false;
    };
    fetch(urlOf(chunk), {
      method: "POST",
      // Both compressors return a Uint8Array over a plain ArrayBuffer.
      body: chunk.body as Uint8Array<ArrayBuffer>,
      keepalive,
      headers: { "Content-Type": "text/plain", "Content-Encoding": "gzip" },
    }).then(
      guard((response: Response) => {
        settle();
        if (response.ok) {
          const { stylesheets } = options;
          if (stylesheets) stylesheets.confirm(chunk.inlined, chunk.session);
          return close(chunk);
        }
        if (response.status === 409 && chunk.payload) {
          response.json().then(
            guard((body: { error?: { code?: string } }) => {
              if (body.error?.code === "unknown_stylesheet") {
                inlineAgain(chunk, attempt);
              } else {
                reject(chunk, response.status);
              }
            }),
            () => reject(chunk, response.status),
          );
          return;
        }
        if (response.status === 429 || response.status >= 500) {
          retry(chunk, attempt, response.headers.get("Retry-After"));
        } else {
          reject(chunk, response.status);
        }
      }),
      guard((error: unknown) => {
        settle();
        report(error);
        retry(chunk, attempt, null);
      }),
    );
  }

  function reject(chunk: OpenChunk, status: number) {
    report(`recording chunk rejected with ${status}`);
    close(chunk);
    if (status === 413 || status === 403) options.onRejected(status);
  }

  /**
   * Sends a chunk again with the CSS of its stylesheet references inline,
   * after the server reported that it does not store one of them.
   */
  function inlineAgain(chunk: OpenChunk, attempt: number) {
    const inlined = options.stylesheets!.inline(
      chunk.payload!.events as RrwebEvent[],
    );
    if (!inlined || attempt >= MAX_CHUNK_ATTEMPTS) {
      return reject(chunk, 409);
    }
    chunk.inlined = inlined;
    chunk.body = gzipSync(encoder.encode(JSON.stringify(chunk.payload)));
    post(chunk, attempt + 1, false);
  }

  function retry(chunk: OpenChunk, attempt: number, retryAfter: string | null) {
    if (stopped) return;
    if (attempt >= MAX_CHUNK_ATTEMPTS) {
      // A stored chunk stays stored for the next page to try again.
      open.delete(chunk.id);
      return;
    }
    const delay = retryDelay(attempt, retryAfter, Date.now());
    timers.push(
      setTimeout(
        guard(() => post(chunk, attempt + 1, false)),
        delay,
      ),
    );
  }

  // Chunks that an earlier page of this shop left in storage go first.
  for (const stored of readStoredChunks(options.storage())) {
    if (stored.shop !== options.shop) continue;
    let body: Uint8Array;
    try {
      body = decodeBody(stored.body);
    } catch {
      continue;
    }
    post(
      {
        ...stored,
        body,
        keepalive: false,
        stored: true,
        resent: true,
        inlined: [],
      },
      1,
      false,
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
      const stylesheets = options.stylesheets;
      const chunkOf = (body: Uint8Array, inlined: string[]): OpenChunk => ({
        id: payload.chunkId,
        page,
        session: sessionId,
        body,
        keepalive: false,
        stored: false,
        resent: false,
        payload: stylesheets ? payload : undefined,
        inlined,
      });
      // Replaces the stylesheets the server stores with their hashes.
      const reference = () =>
        stylesheets ? stylesheets.reference(events, sessionId) : [];
      const sendNow = (exit: boolean) => {
        preparing.delete(payload.chunkId);
        const inlined = reference();
        const body = gzipSync(encoder.encode(JSON.stringify(payload)));
        post(chunkOf(body, inlined), 1, exit);
      };
      if (final || typeof CompressionStream !== "function") {
        // Earlier chunks still being hashed or compressed go first.
        for (const sendEarlier of [...preparing.values()]) sendEarlier(final);
        sendNow(final);
        return;
      }
      preparing.set(payload.chunkId, sendNow);
      const hashed = stylesheets
        ? stylesheets.prepare(events).catch(report)
        : Promise.resolve();
      hashed
        .then(() => {
          if (!preparing.has(payload.chunkId)) return;
          const inlined = reference();
          return gzipStream(JSON.stringify(payload)).then((body) => {
            // The page's exit may have sent it meanwhile.
            if (preparing.delete(payload.chunkId)) {
              post(chunkOf(body, inlined), 1, false);
            }
          });
        })
        .catch(report);
    },
    stop() {
      stopped = true;
      timers.forEach(clearTimeout);
    },
    bytes: () => sentBytes,
  };
}
