// Lazily loaded bundle: records the page with rrweb for session replay.
// The core script loads it only when an ingest response requests a
// recording, and passes it each click once the click's outcome is known.

import { record } from "@rrweb/record";
import { clickRowOf } from "../../../app/friction/click-row";
import { detectDeadClicks } from "../../../app/friction/dead-click";
import { detectRageClicks } from "../../../app/friction/rage-click";
import type { ClickRow } from "../../../app/friction/types";
import {
  RECORDING_STOPPED_TAG,
  type RecordingMode,
} from "../../../app/ingest/payload-types";
import {
  EVENT_FULL_SNAPSHOT,
  maskEvent,
  type RrwebEvent,
} from "../../../app/replay/event-privacy";
import type { TrackedClick } from "./click-outcome";
import { guard, report, setDebug } from "./log";
import { createMutationThrottle } from "./mutation-throttle";
import type { Recorder, StartRecorder } from "./recording-loader";
import { createChunkUploader } from "./recording-upload";
import { createStylesheetCache } from "./stylesheet-cache";

/**
 * In friction mode a full snapshot starts a new segment this often, and
 * the last two segments are kept, so 15 to 30 s before a rage or dead click
 * are in memory when it happens.
 */
export const BUFFER_CHECKOUT_MS = 15_000;
/** In session mode, events go up this often (and on page exit). */
export const UPLOAD_INTERVAL_MS = 5_000;
/** Events per chunk; a busier page uploads before the interval ends. */
export const MAX_CHUNK_EVENTS = 1_000;
/** A friction segment this long takes a full snapshot early. */
export const MAX_SEGMENT_EVENTS = 5_000;
/**
 * Compressed bytes one page view may upload. Past it the recording ends
 * with a `storelens-recording-stopped` event, so the replay shows why.
 */
export const MAX_PAGE_RECORDING_BYTES = 2 * 1024 * 1024;
/** Clicks within this many ms are kept for the rage-click check. */
const RECENT_CLICKS_MS = 5_000;

/** Elements any theme can mark to have their text masked. */
export const DEFAULT_MASK_SELECTOR = "[data-storelens-mask]";
/**
 * Payment fields and frames: blocked, so rrweb records an empty box of the
 * same size and none of their content or input events.
 */
export const PAYMENT_BLOCK_SELECTOR = [
  "[data-storelens-block]",
  '[autocomplete^="cc-"]',
  'input[name*="card" i]',
  'input[name*="cvv" i]',
  'input[name*="cvc" i]',
  'iframe[src*="pay" i]',
  'iframe[src*="checkout" i]',
].join(", ");

/**
 * Returns the selector list of masked text, or `*` (every text) when the
 * merchant's selector is invalid, so a typo never unmasks anything.
 */
export function maskSelectorFor(merchant: string): string {
  const selector = merchant
    ? `${DEFAULT_MASK_SELECTOR}, ${merchant}`
    : DEFAULT_MASK_SELECTOR;
  try {
    document.createDocumentFragment().querySelector(selector);
    return selector;
  } catch {
    report(`invalid masked text selector: ${merchant}`);
    return "*";
  }
}

/** Converts a click with its outcome to the detectors' row. */
function clickRow(click: TrackedClick): ClickRow {
  return clickRowOf(
    {
      sessionId: "",
      pageViewId: click.page,
      at: click.at,
      x: click.x,
      y: click.y,
      selector: click.selector,
    },
    click.outcome,
  );
}

/** Returns the tag of a recorded element, or of a text node's parent. */
function tagOf(id: number): string | undefined {
  const node = record.mirror.getNode(id) as Node | null;
  if (!node) return undefined;
  const element =
    node.nodeType === Node.ELEMENT_NODE
      ? (node as Element)
      : node.parentElement;
  return element ? element.tagName.toLowerCase() : undefined;
}

export const startRecorder: StartRecorder = (options) => {
  setDebug(options.debug);
  let mode: RecordingMode = options.directive.mode;
  let segments: RrwebEvent[][] = [[]];
  let pending: RrwebEvent[] = [];
  let recentClicks: ClickRow[] = [];
  let stopRecording: (() => void) | undefined;
  let stopped = false;
  // The chunk that carries the buffer records why the recording started.
  let nextChunkMode: RecordingMode = mode;

  const stylesheets = createStylesheetCache(() => {
    try {
      return window.sessionStorage;
    } catch {
      // Reading `sessionStorage` throws when the shopper blocks site data.
      return undefined;
    }
  });
  const uploader = createChunkUploader({
    endpoint: options.endpoint,
    shop: options.shop,
    page: options.page,
    identity: options.identity,
    onRejected: () => end("rejected"),
    quota: options.quota,
    storage: options.storage,
    stylesheets,
  });
  const throttle = createMutationThrottle({
    now: () => Date.now(),
    emit(event) {
      if (mode === "session") {
        pending.push(event);
        if (pending.length >= MAX_CHUNK_EVENTS) upload(false);
        return;
      }
      const segment = segments[segments.length - 1];
      segment.push(event);
      if (segment.length >= MAX_SEGMENT_EVENTS) record.takeFullSnapshot(true);
    },
  });

  function onEmit(event: RrwebEvent, isCheckout?: boolean) {
    if (stopped || !options.allowed()) return;
    maskEvent(event, tagOf);
    // Hashed now, so that an exit chunk, compressed synchronously, can
    // still refer to stylesheets the server stores.
    if (event.type === EVENT_FULL_SNAPSHOT) {
      stylesheets.prepare([event]).catch(report);
    }
    if (mode === "friction" && isCheckout) {
      throttle.flush();
      segments.push([]);
      if (segments.length > 2) segments.shift();
    }
    throttle.push(event);
  }

  function startRecording() {
    stopRecording = record<RrwebEvent>({
      emit: guard(onEmit),
      checkoutEveryNms: mode === "friction" ? BUFFER_CHECKOUT_MS : undefined,
      maskAllInputs: true,
      maskTextSelector: maskSelectorFor(options.directive.maskSelector),
      blockSelector: PAYMENT_BLOCK_SELECTOR,
      slimDOMOptions: "all",
      inlineStylesheet: true,
      inlineImages: false,
      recordCanvas: false,
      collectFonts: false,
      recordCrossOriginIframes: false,
      sampling: { mousemove: 50, scroll: 150, media: 800, input: "last" },
      errorHandler: (error) => {
        report(error);
        return true;
      },
    });
  }

  function upload(final: boolean) {
    if (mode !== "session") return;
    throttle.flush();
    if (pending.length === 0) return;
    uploader.send(pending, nextChunkMode, final);
    nextChunkMode = "session";
    pending = [];
    if (!stopped && uploader.bytes() > MAX_PAGE_RECORDING_BYTES) end("size");
  }

  /** Ends the recording with a marker event and uploads what is left. */
  function end(reason: string) {
    if (stopped) return;
    if (mode === "session") {
      record.addCustomEvent(RECORDING_STOPPED_TAG, { reason });
      upload(false);
    }
    stopped = true;
    if (stopRecording) stopRecording();
    clearInterval(interval);
  }

  /** Uploads the buffer and records the rest of the page view in full. */
  function startFromFriction() {
    if (mode !== "friction" || stopped) return;
    throttle.flush();
    mode = "session";
    pending = ([] as RrwebEvent[]).concat(...segments);
    segments = [];
    nextChunkMode = "friction";
    upload(false);
    // Restart without the buffer's frequent full snapshots.
    if (stopRecording) stopRecording();
    startRecording();
  }

  startRecording();
  const interval = setInterval(
    guard(() => upload(false)),
    UPLOAD_INTERVAL_MS,
  );
  // The core added its exit listeners when the page loaded, so its event
  // batches take the keepalive quota before these final chunks.
  addEventListener(
    "pagehide",
    guard(() => upload(true)),
  );
  document.addEventListener(
    "visibilitychange",
    guard(() => {
      if (document.visibilityState === "hidden") upload(true);
    }),
  );

  const recorder: Recorder = {
    click(click) {
      if (stopped || mode !== "friction") return;
      const row = clickRow(click);
      recentClicks = recentClicks
        .filter((other) => row.at - other.at <= RECENT_CLICKS_MS)
        .concat(row);
      const friction =
        detectDeadClicks([row]).length > 0 ||
        detectRageClicks(recentClicks).length > 0;
      if (friction) startFromFriction();
    },
    stop() {
      stopped = true;
      if (stopRecording) stopRecording();
      clearInterval(interval);
      uploader.stop();
      segments = [];
      pending = [];
    },
  };
  return recorder;
};

if (typeof window !== "undefined") {
  (window as { __storelensRecorder?: StartRecorder }).__storelensRecorder =
    startRecorder;
}
