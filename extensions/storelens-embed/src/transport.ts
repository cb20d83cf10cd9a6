// Event queue and batch delivery to the ingest endpoint.

import {
  KEEPALIVE_MAX_BYTES,
  MAX_EVENTS_PER_BATCH,
  PAYLOAD_VERSION,
  type BatchPayload,
  type BatchResponse,
  type EventPayload,
  type LandingPayload,
  type PagePayload,
} from "../../../app/ingest/payload-types";
import { uuid, type Identity } from "./identity";
import {
  createKeepaliveQuota,
  UNSENT_RECORDING_KEY,
  type KeepaliveQuota,
} from "./keepalive-quota";
import { guard, report } from "./log";

/** Maximum queued events; once it is reached, new events are dropped. */
export const MAX_QUEUED_EVENTS = 2000;
/** Attempts per batch, the first included, before the batch is dropped. */
export const MAX_ATTEMPTS = 5;
/** First retry delay; each further retry doubles it. */
export const RETRY_BASE_MS = 2000;
/** Upper bound of any retry delay, `Retry-After` included. */
export const MAX_RETRY_DELAY_MS = 60_000;
/** Storage key of the exit batches that did not fit in the keepalive quota. */
export const UNSENT_KEY = "storelens:unsent";
/** Stored batches kept at most; the oldest are dropped first. */
export const MAX_UNSENT_BATCHES = 8;

interface Batch {
  id: string;
  /** Shop of the page that made the batch; only its pages send it. */
  shop: string;
  identity: Identity;
  events: EventPayload[];
  attempts: number;
  /** Value of `generation` when the batch was made. */
  generation: number;
  /** Page views and landing when the batch was made, so a batch stored
   * for a later page still carries those of its own document. */
  pages: PagePayload[];
  landing?: LandingPayload;
}

export interface TransportOptions {
  endpoint: string;
  shop: string;
  /**
   * Page views of this document, sent with every batch: a client-side
   * navigation adds one, and events of the previous one may still be
   * queued when the server has not stored it yet (consent came late).
   */
  pages: () => PagePayload[];
  /**
   * Entry data of this page view. The server keeps the first one a visit
   * reports, so only the landing page's counts.
   */
  landing?: LandingPayload;
  /** Called once per new batch; it marks session activity. */
  identity: () => Identity;
  onResponse: (response: BatchResponse) => void;
  /**
   * Storage, such as `localStorage`, for the exit batches that do not fit
   * in the keepalive quota. The next flush of this or a later page of the
   * same shop and origin sends them.
   */
  storage: () => Storage | undefined;
  /**
   * Keepalive bytes in flight, shared with the recording uploader. Exit
   * batches are sent first, so the recording gets what they leave.
   */
  quota?: KeepaliveQuota;
}

export interface Transport {
  push(event: EventPayload): void;
  /** With `final`, sends every queued batch now, as on page exit. */
  flush(final: boolean): void;
  /**
   * Deletes this shop's stored batches and recording chunks, as when the
   * page starts without analytics consent. Queued events stay in memory.
   */
  forget(): void;
  /** Drops queued, retrying and stored batches, as when consent is withdrawn. */
  clear(): void;
}

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Returns the wait before the next attempt: `Retry-After` when the server
 * sent one (seconds or an HTTP date), else 2 s, 4 s, 8 s ... by attempt.
 */
export function retryDelay(
  attempts: number,
  retryAfter: string | null,
  now: number,
): number {
  let delay = RETRY_BASE_MS * 2 ** (attempts - 1);
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const wait = seconds >= 0 ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (wait >= 0) delay = wait;
  }
  return Math.min(delay, MAX_RETRY_DELAY_MS);
}

/**
 * Deletes one shop's entries from the JSON array stored under `key` and
 * keeps other shops' entries for their own pages.
 */
function deleteStored(storage: Storage | undefined, key: string, shop: string) {
  try {
    const otherShops = JSON.parse(storage!.getItem(key)!).filter(
      (entry: { shop?: string }) => entry && entry.shop !== shop,
    );
    if (otherShops.length) storage!.setItem(key, JSON.stringify(otherShops));
    else storage!.removeItem(key);
  } catch {
    // Nothing stored, blocked storage, or text that is not ours.
  }
}

export function createTransport(options: TransportOptions): Transport {
  let queue: EventPayload[] = [];
  // Batches that failed and wait for their next attempt, oldest first.
  let waiting: Batch[] = [];
  let inFlight = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  // Bumped by `clear()`, so a request that was in flight then is not retried.
  let generation = 0;
  const quota = options.quota || createKeepaliveQuota();

  function encode(batch: Batch): string {
    const payload: BatchPayload = {
      v: PAYLOAD_VERSION,
      batchId: batch.id,
      shop: options.shop,
      visitorId: batch.identity.visitorId,
      sessionId: batch.identity.sessionId,
      sentAt: Date.now(),
      pages: batch.pages,
      events: batch.events,
      landing: batch.landing,
    };
    return JSON.stringify(payload);
  }

  /**
   * Reads the stored batches of every shop of this origin. An entry
   * without an identity, such as one written by another script, is left
   * out, because `encode` would throw on it in the middle of a flush. The
   * endpoint rejects any other malformed entry with a 4xx.
   */
  function readStored(): Batch[] {
    try {
      const stored = JSON.parse(options.storage()!.getItem(UNSENT_KEY)!);
      return Array.isArray(stored)
        ? stored.filter((batch) => batch && batch.identity)
        : [];
    } catch {
      return [];
    }
  }

  /**
   * Replaces the stored batches and returns false when storage failed. No
   * batches remove the key, so a shopper without consent gets no storage.
   */
  function writeStored(batches: Batch[]): boolean {
    try {
      const storage = options.storage()!;
      if (batches.length) {
        const newest = batches.slice(-MAX_UNSENT_BATCHES);
        storage.setItem(UNSENT_KEY, JSON.stringify(newest));
      } else {
        storage.removeItem(UNSENT_KEY);
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Moves this shop's stored batches, of this document or an earlier one,
   * to `waiting`. Batches of another shop on the same origin stay stored
   * for that shop's pages, which send them under that shop's consent.
   */
  function takeStored() {
    const own: Batch[] = [];
    const others: Batch[] = [];
    for (const batch of readStored()) {
      (batch.shop === options.shop ? own : others).push(batch);
    }
    if (!own.length || !writeStored(others)) return;
    for (const batch of own) {
      waiting.push({ ...batch, attempts: 0, generation });
    }
  }

  /**
   * Moves the oldest events into a new batch that stays within
   * MAX_EVENTS_PER_BATCH and KEEPALIVE_MAX_BYTES: browsers reject a
   * `keepalive` request whose body is larger than 64 KiB.
   */
  function takeBatch(): Batch | undefined {
    if (!queue.length) return undefined;
    const batch: Batch = {
      id: uuid(),
      shop: options.shop,
      identity: options.identity(),
      events: [],
      attempts: 0,
      generation,
      pages: options.pages().slice(),
      landing: options.landing,
    };
    let size = byteLength(encode(batch));
    while (queue.length && batch.events.length < MAX_EVENTS_PER_BATCH) {
      const comma = batch.events.length ? 1 : 0;
      const added = byteLength(JSON.stringify(queue[0])) + comma;
      if (size + added <= KEEPALIVE_MAX_BYTES) {
        size += added;
        batch.events.push(queue.shift()!);
      } else if (batch.events.length) {
        break;
      } else {
        queue.shift(); // Too large for any batch on its own.
      }
    }
    return batch.events.length ? batch : undefined;
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

  /**
   * Posts a batch, with `keepalive` while the quota allows, so that it
   * outlives the page. Returns false, sending nothing, when `keepaliveOnly`
   * is set and the batch does not fit in the quota.
   */
  function send(batch: Batch, keepaliveOnly = false): boolean {
    const body = encode(batch);
    const size = byteLength(body);
    const keepalive = quota.take(size);
    if (keepaliveOnly && !keepalive) return false;
    const settle = () => {
      inFlight--;
      if (keepalive) quota.release(size);
    };
    inFlight++;
    batch.attempts++;
    fetch(options.endpoint, {
      method: "POST",
      keepalive,
      body,
      // A CORS-safelisted content type spares the preflight request.
      headers: { "Content-Type": "text/plain" },
    }).then(
      guard((response: Response) => {
        settle();
        if (response.ok) {
          response.json().then(guard(options.onResponse), report);
          flush(false);
        } else if (
          // 408: the body arrived too slowly, so the batch was not read.
          response.status === 408 ||
          response.status === 429 ||
          response.status >= 500
        ) {
          scheduleRetry(batch, response.headers.get("Retry-After"));
        } else {
          // The endpoint rejected the batch itself: sending it again
          // would fail the same way.
          report(`batch ${batch.id} rejected with ${response.status}`);
        }
      }),
      guard((error: unknown) => {
        settle();
        report(error);
        scheduleRetry(batch, null);
      }),
    );
    return true;
  }

  // Outside a page exit one request is in flight at a time, so a slow or
  // failing endpoint gets no more traffic than one batch per retry delay.
  //
  // On exit the batches go at once, with keepalive, in order until the
  // quota is full. The rest is stored, with the pages of this document, for
  // a later flush. Without storage it stays in `waiting`, to be sent if the
  // page lives on.
  function flush(final: boolean) {
    if (final) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const batches = waiting;
      waiting = [];
      for (let batch = takeBatch(); batch; batch = takeBatch()) {
        batches.push(batch);
      }
      let sent = 0;
      while (sent < batches.length && send(batches[sent], true)) sent++;
      const rest = batches.slice(sent);
      if (rest.length && !writeStored(readStored().concat(rest))) {
        waiting = rest;
      }
    } else if (!inFlight && !retryTimer) {
      takeStored();
      const batch = waiting.shift() || takeBatch();
      if (batch) send(batch);
    }
  }

  function forget() {
    for (const key of [UNSENT_KEY, UNSENT_RECORDING_KEY]) {
      deleteStored(options.storage(), key, options.shop);
    }
  }

  return {
    push(event) {
      if (queue.length < MAX_QUEUED_EVENTS) queue.push(event);
    },
    flush,
    forget,
    clear() {
      generation++;
      queue = [];
      waiting = [];
      forget();
      clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
}
