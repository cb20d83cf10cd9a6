import { promisify } from "node:util";
import zlib from "node:zlib";
import type pg from "pg";
import {
  EVENT_CUSTOM,
  EVENT_FULL_SNAPSHOT,
  EVENT_INCREMENTAL,
  EVENT_META,
  type RrwebEvent,
} from "./event-privacy";
import { MAX_RECORDING_CHUNK_JSON_BYTES } from "./handle-recording.server";
import { restoreStylesheets } from "./stylesheets.server";

const gunzip = promisify(zlib.gunzip);

/** A point on the replay timeline, in rrweb (browser clock) milliseconds. */
export interface ReplayMarker {
  kind: "rage-click" | "dead-click" | "page";
  timestamp: number;
  label: string;
}

export interface ReplayData {
  events: RrwebEvent[];
  markers: ReplayMarker[];
  /** Chunks that could not be read or were cut off, with the reason. */
  skipped: { seq: number; pageViewId: string; reason: string }[];
  /** Stylesheets and frames the recorder could not capture. */
  missing: { stylesheets: number; frames: number };
}

interface ChunkRow {
  pageViewId: string;
  seq: number;
  data: Buffer;
}

interface SnapshotNode {
  type?: number;
  tagName?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SnapshotNode[];
}

/** Counts `<link rel=stylesheet>` left uninlined and `<iframe>` elements. */
function countMissing(root: SnapshotNode, missing: ReplayData["missing"]) {
  const pending = [root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (!node || typeof node !== "object") continue;
    const tag = (node.tagName || "").toLowerCase();
    const attributes = node.attributes || {};
    if (
      tag === "link" &&
      String(attributes.rel).toLowerCase() === "stylesheet" &&
      typeof attributes._cssText !== "string"
    ) {
      missing.stylesheets++;
    }
    if (tag === "iframe") missing.frames++;
    if (Array.isArray(node.childNodes)) pending.push(...node.childNodes);
  }
}

/**
 * Orders one page view's events by time and drops incremental events that
 * precede its first full snapshot: without the snapshot the replayer has
 * no nodes to apply them to (their chunk was lost or rejected).
 */
function playablePageEvents(events: RrwebEvent[]): RrwebEvent[] {
  const sorted = events.slice().sort((a, b) => a.timestamp - b.timestamp);
  const first = sorted.findIndex((event) => event.type === EVENT_FULL_SNAPSHOT);
  if (first < 0) return [];
  return sorted.filter(
    (event, index) => index >= first || event.type !== EVENT_INCREMENTAL,
  );
}

/**
 * Loads a session's chunks and assembles one playable event list. A chunk
 * that cannot be decompressed or parsed is skipped and reported, and the
 * rest of the recording still plays; a gap in a page view's sequence
 * numbers is reported too.
 */
export async function loadReplay(
  pool: pg.Pool,
  shopId: string,
  sessionId: string,
): Promise<ReplayData | null> {
  const recording = await pool.query<{ clockOffsetMs: string }>(
    `SELECT "clockOffsetMs"::text AS "clockOffsetMs" FROM "Recording"
     WHERE "shopId" = $1 AND "sessionId" = $2`,
    [shopId, sessionId],
  );
  if (recording.rowCount === 0) return null;
  const offset = Number(recording.rows[0].clockOffsetMs);

  const chunks = await pool.query<ChunkRow>(
    `SELECT "pageViewId", seq, data FROM "RecordingChunk"
     WHERE "shopId" = $1 AND "sessionId" = $2
     ORDER BY "firstAt", seq`,
    [shopId, sessionId],
  );
  const skipped: ReplayData["skipped"] = [];
  const byPage = new Map<string, { events: RrwebEvent[]; seqs: number[] }>();
  for (const chunk of chunks.rows) {
    let events: unknown;
    try {
      const json = await gunzip(chunk.data, {
        maxOutputLength: MAX_RECORDING_CHUNK_JSON_BYTES,
      });
      events = JSON.parse(json.toString("utf8"));
    } catch {
      events = undefined;
    }
    if (!Array.isArray(events)) {
      skipped.push({
        seq: chunk.seq,
        pageViewId: chunk.pageViewId,
        reason: "stored data could not be decompressed or parsed",
      });
      continue;
    }
    const page = byPage.get(chunk.pageViewId) ?? { events: [], seqs: [] };
    page.events.push(...(events as RrwebEvent[]));
    page.seqs.push(chunk.seq);
    byPage.set(chunk.pageViewId, page);
  }

  const events: RrwebEvent[] = [];
  const missing = { stylesheets: 0, frames: 0 };
  for (const [pageViewId, page] of byPage) {
    const seqs = page.seqs.sort((a, b) => a - b);
    for (let seq = 0; seq < seqs[seqs.length - 1]; seq++) {
      if (!seqs.includes(seq)) {
        skipped.push({ seq, pageViewId, reason: "chunk never arrived" });
      }
    }
    const playable = playablePageEvents(page.events);
    if (playable.length === 0) {
      skipped.push({
        seq: seqs[0],
        pageViewId,
        reason: "page view has no full snapshot to start from",
      });
    }
    events.push(...playable);
  }
  events.sort((a, b) => a.timestamp - b.timestamp);
  await restoreStylesheets(pool, shopId, events);

  const markers: ReplayMarker[] = [];
  for (const event of events) {
    const data = event.data as { href?: string; node?: SnapshotNode };
    if (event.type === EVENT_META && typeof data?.href === "string") {
      let label = data.href;
      try {
        label = new URL(data.href).pathname;
      } catch {
        // Keep the raw href.
      }
      markers.push({ kind: "page", timestamp: event.timestamp, label });
    }
    if (event.type === EVENT_FULL_SNAPSHOT && data?.node) {
      countMissing(data.node, missing);
    }
  }
  const signals = await pool.query<{
    kind: "rage-click" | "dead-click";
    selector: string;
    occurredAt: Date;
    clicks: number;
  }>(
    `SELECT kind, selector, "occurredAt", clicks FROM "FrictionSignal"
     WHERE "shopId" = $1 AND "sessionId" = $2
     ORDER BY "occurredAt"`,
    [shopId, sessionId],
  );
  const firstAt = events.length ? events[0].timestamp : 0;
  const lastAt = events.length ? events[events.length - 1].timestamp : 0;
  for (const signal of signals.rows) {
    // Clamped, because the replay cannot seek outside its own events.
    const timestamp = Math.min(
      Math.max(signal.occurredAt.getTime() - offset, firstAt),
      lastAt,
    );
    const what = signal.kind === "rage-click" ? "Rage click" : "Dead click";
    markers.push({
      kind: signal.kind,
      timestamp,
      label: `${what} on ${signal.selector}`,
    });
    // rrweb-player draws custom events whose tag it knows on its timeline.
    events.push({
      type: EVENT_CUSTOM,
      timestamp,
      data: { tag: signal.kind, payload: { selector: signal.selector } },
    });
  }
  events.sort((a, b) => a.timestamp - b.timestamp);
  markers.sort((a, b) => a.timestamp - b.timestamp);
  return { events, markers, skipped, missing };
}
