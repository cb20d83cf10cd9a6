// Event queue and batch delivery of the web pixel. It keeps the embed's
// retry policy, but a batch has no page views, and each queued event
// carries the ids it was resolved with: one queue can span two sessions.

import {
  KEEPALIVE_MAX_BYTES,
  MAX_EVENTS_PER_BATCH,
  PAYLOAD_VERSION,
  type BatchPayload,
  type ExposurePayload,
  type LandingPayload,
  type ShopifyEventPayload,
} from "../../../app/ingest/payload-types";

/** An event the pixel sends: a Shopify event or a variant exposure. */
export type PixelPayload = ShopifyEventPayload | ExposurePayload;
import { uuid, type Identity } from "../../storelens-embed/src/identity";
import { guard, report } from "../../storelens-embed/src/log";
import {
  MAX_ATTEMPTS,
  MAX_QUEUED_EVENTS,
  retryDelay,
} from "../../storelens-embed/src/transport";

/** Wait between the first queued event and the delivery of the queue. */
export const FLUSH_DELAY_MS = 2000;

export interface QueuedEvent {
  event: PixelPayload;
  identity: Identity;
  /** Shopify's client id, or "" when the event had none. */
  clientId: string;
  /** Set on the page_viewed that started a new session. */
  landing?: LandingPayload;
}

interface Batch {
  id: string;
  /** First event of the batch: its ids, client id and landing data. */
  head: QueuedEvent;
  events: PixelPayload[];
  attempts: number;
  /** Value of `generation` when the batch was made. */
  generation: number;
}

export interface PixelTransportOptions {
  endpoint: string;
  /** The shop's `*.myshopify.com` domain. */
  shop: string;
}

export interface PixelTransport {
  /** Queues an event and schedules a delivery FLUSH_DELAY_MS later. */
  push(item: QueuedEvent): void;
  /** With `final`, sends every queued and retrying batch now. */
  flush(final: boolean): void;
  /** Drops queued and retrying batches, as when consent is withdrawn. */
  clear(): void;
}

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Returns true when `next` may join a batch that starts with `head`. The
 * ids and client id are batch fields, and landing data belongs to the
 * batch that starts with its page view.
 */
function fitsBatch(head: QueuedEvent, next: QueuedEvent): boolean {
  return (
    next.identity.visitorId === head.identity.visitorId &&
    next.identity.sessionId === head.identity.sessionId &&
    next.clientId === head.clientId &&
    !next.landing
  );
}

export function createPixelTransport(
  options: PixelTransportOptions,
): PixelTransport {
  let queue: QueuedEvent[] = [];
  // Batches that failed and wait for their next attempt, oldest first.
  let waiting: Batch[] = [];
  let inFlight = 0;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  // Bumped by `clear()`, so a request that was in flight then is not retried.
  let generation = 0;

  function encode(batch: Batch): string {
    const { head } = batch;
    const payload: BatchPayload = {
      v: PAYLOAD_VERSION,
      batchId: batch.id,
      shop: options.shop,
      visitorId: head.identity.visitorId,
      sessionId: head.identity.sessionId,
      sentAt: Date.now(),
      pages: [],
      events: batch.events,
      source: "pixel",
    };
    if (head.clientId) payload.clientId = head.clientId;
    if (head.landing) payload.landing = head.landing;
    return JSON.stringify(payload);
  }

  /**
   * Moves the oldest events into a new batch within MAX_EVENTS_PER_BATCH
   * and KEEPALIVE_MAX_BYTES: browsers reject a `keepalive` request whose
   * body is larger than 64 KiB.
   */
  function takeBatch(): Batch | undefined {
    while (queue.length) {
      const batch: Batch = {
        id: uuid(),
        head: queue[0],
        events: [],
        attempts: 0,
        generation,
      };
      let size = byteLength(encode(batch));
      while (queue.length && batch.events.length < MAX_EVENTS_PER_BATCH) {
        const next = queue[0];
        const first = !batch.events.length;
        if (!first && !fitsBatch(batch.head, next)) break;
        const added = byteLength(JSON.stringify(next.event)) + (first ? 0 : 1);
        if (size + added > KEEPALIVE_MAX_BYTES) {
          // An event too large for any batch on its own is dropped.
          if (first) queue.shift();
          break;
        }
        size += added;
        batch.events.push(queue.shift()!.event);
      }
      if (batch.events.length) return batch;
    }
    return undefined;
  }

  function scheduleRetry(batch: Batch, retryAfter: string | null) {
    if (batch.generation !== generation) return;
    if (batch.attempts >= MAX_ATTEMPTS) {
      report(`batch ${batch.id} dropped after ${batch.attempts} attempts`);
      flush(false);
      return;
    }
    waiting.push(batch);
    clearTimeout(retryTimer);
    const delay = retryDelay(batch.attempts, retryAfter, Date.now());
    retryTimer = setTimeout(
      guard(() => {
        retryTimer = undefined;
        flush(false);
      }),
      delay,
    );
  }

  function send(batch: Batch) {
    inFlight++;
    batch.attempts++;
    fetch(options.endpoint, {
      method: "POST",
      keepalive: true,
      body: encode(batch),
      // A CORS-safelisted content type spares the preflight request.
      headers: { "Content-Type": "text/plain" },
    }).then(
      guard((response: Response) => {
        inFlight--;
        if (response.ok) {
          flush(false);
        } else if (response.status === 429 || response.status >= 500) {
          scheduleRetry(batch, response.headers.get("Retry-After"));
        } else {
          // The endpoint rejected the batch itself: sending it again
          // would fail the same way.
          report(`batch ${batch.id} rejected with ${response.status}`);
          flush(false);
        }
      }),
      guard((error: unknown) => {
        inFlight--;
        report(error);
        scheduleRetry(batch, null);
      }),
    );
  }

  // Outside a final flush one request is in flight at a time, so a slow or
  // failing endpoint gets no more traffic than one batch per retry delay.
  function flush(final: boolean) {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (final) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const batches = waiting;
      waiting = [];
      for (let batch = takeBatch(); batch; batch = takeBatch()) {
        batches.push(batch);
      }
      batches.forEach(send);
    } else if (!inFlight && !retryTimer) {
      const batch = waiting.shift() || takeBatch();
      if (batch) send(batch);
    }
  }

  return {
    push(item) {
      if (queue.length >= MAX_QUEUED_EVENTS) return;
      queue.push(item);
      if (!flushTimer) {
        flushTimer = setTimeout(
          guard(() => flush(false)),
          FLUSH_DELAY_MS,
        );
      }
    },
    flush,
    clear() {
      generation++;
      queue = [];
      waiting = [];
      clearTimeout(flushTimer);
      clearTimeout(retryTimer);
      flushTimer = undefined;
      retryTimer = undefined;
    },
  };
}
