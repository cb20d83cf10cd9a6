// DOM side of the capture: turns click and scroll activity into payloads.
// The arithmetic lives in capture-maths.ts.

import type {
  MovePayload,
  ScrollPayload,
} from "../../../app/ingest/payload-types";

export type Placement = Pick<
  MovePayload,
  "x" | "y" | "selector" | "offsetX" | "offsetY" | "fixed"
>;
import {
  buildSelector,
  offsetFraction,
  pagePoint,
  scrollDepth,
} from "./capture-maths";
import { classifyTarget } from "./click-kind";
import { emptyOutcome, type TrackedClick } from "./click-outcome";
import { pageMetrics } from "./page-metrics";

/** Elements a click is credited to when it lands inside them. */
const CLICK_TARGETS =
  "a,button,input,select,textarea,label,summary," +
  "[role=button],[role=link],[data-storelens-id]";

export function isUniqueId(id: string): boolean {
  return document.querySelectorAll("#" + id).length === 1;
}

/**
 * Tells whether the element or an ancestor is fixed or sticky.
 *
 * NOTE: a sticky box counts even while it is not stuck and scrolls with
 * the page, so clicks on it are then stored at viewport coordinates.
 */
function inFixedBox(element: Element): boolean {
  for (let node: Element | null = element; node; node = node.parentElement) {
    if (/fixed|sticky/.test(getComputedStyle(node).position)) return true;
  }
  return false;
}

// A click on a label makes the browser dispatch a second trusted click,
// with the same coordinates, on the label's control. That echo is skipped
// so that one press counts once.
let labelEcho: { control: Element; x: number; y: number } | undefined;

function isLabelEcho(event: MouseEvent, origin: Element): boolean {
  const echo = labelEcho;
  labelEcho = undefined;
  if (
    echo &&
    echo.control === origin &&
    echo.x === event.clientX &&
    echo.y === event.clientY
  ) {
    return true;
  }
  const label = origin.closest("label");
  const control = label && label.control;
  if (control && !control.contains(origin)) {
    labelEcho = { control, x: event.clientX, y: event.clientY };
  }
  return false;
}

function roundFraction(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Tells whether the click opens a new tab or window: a link with
 * target="_blank", or a click with Ctrl, Meta, Shift or the middle button.
 */
function opensNewTab(event: MouseEvent, target: Element): boolean {
  return (
    (target.tagName === "A" && target.getAttribute("target") === "_blank") ||
    event.ctrlKey ||
    event.metaKey ||
    event.shiftKey ||
    event.button === 1
  );
}

/** Returns the element that an event inside `origin` is credited to. */
export function creditedElement(origin: Element): Element {
  return origin.closest(CLICK_TARGETS) || origin;
}

/**
 * Locates a pointer event: its document point (viewport point inside a
 * fixed box), the target's selector and the position inside its box.
 */
export function placement(event: MouseEvent, target: Element): Placement {
  const fixed = inFixedBox(target);
  const metrics = pageMetrics();
  const point = pagePoint(
    event.clientX,
    event.clientY,
    metrics.scrollX,
    metrics.scrollY,
    fixed,
  );
  const box = target.getBoundingClientRect();
  return {
    x: Math.round(point.x),
    y: Math.round(point.y),
    selector: buildSelector(target, isUniqueId),
    offsetX: roundFraction(offsetFraction(event.clientX, box.left, box.width)),
    offsetY: roundFraction(offsetFraction(event.clientY, box.top, box.height)),
    fixed,
  };
}

/**
 * Builds the payload of a click, or returns undefined for clicks that have
 * no position of their own: a `click` made by a script (untrusted), by the
 * keyboard (`detail` 0, coordinates 0,0) or by a label for its control.
 * The outcome's times are null until the click effects are measured.
 */
export function clickPayload(
  event: MouseEvent,
  page: string,
  lastPointerType: string,
): TrackedClick | undefined {
  const origin = event.target;
  if (!event.isTrusted || !event.detail || !(origin instanceof Element)) {
    return undefined;
  }
  if (isLabelEcho(event, origin)) return undefined;

  const target = creditedElement(origin);
  // Some browsers fire `click` as a plain MouseEvent without
  // `pointerType`, so the type of the last pointerdown is used instead.
  const pointerType = (event as PointerEvent).pointerType || lastPointerType;
  const metrics = pageMetrics();
  return {
    type: "click",
    page,
    at: Date.now(),
    ...placement(event, target),
    viewportWidth: metrics.viewportWidth,
    viewportHeight: metrics.viewportHeight,
    touch: pointerType === "touch",
    outcome: emptyOutcome({
      targetKind: classifyTarget(target),
      opensNewTab: opensNewTab(event, target),
      hidden: document.visibilityState === "hidden",
    }),
  };
}

export interface ScrollTracker {
  /** Reads the current depth and keeps it when it is the deepest so far. */
  measure(): void;
  /** Returns a scroll event when the depth grew since the last one. */
  take(): ScrollPayload | undefined;
}

/**
 * Tracks the deepest scroll of one page view. Readings before `settledAt`
 * (epoch ms) are ignored: after a client-side navigation the old page's
 * scroll offset lingers until the theme scrolls the new page to its top.
 */
export function createScrollTracker(
  page: string,
  settledAt = 0,
): ScrollTracker {
  let maxDepthPx = 0;
  let documentHeight = 0;
  let reachedAt = 0;
  let sentDepthPx = 0;

  function measure() {
    if (Date.now() < settledAt) return;
    const metrics = pageMetrics();
    const depth = Math.round(
      scrollDepth(
        metrics.scrollY,
        metrics.viewportHeight,
        metrics.documentHeight,
      ),
    );
    if (depth > maxDepthPx) {
      maxDepthPx = depth;
      documentHeight = metrics.documentHeight;
      reachedAt = Date.now();
    }
  }

  return {
    measure,
    take() {
      measure();
      if (maxDepthPx <= sentDepthPx) return undefined;
      sentDepthPx = maxDepthPx;
      return {
        type: "scroll",
        page,
        at: reachedAt,
        maxDepthPx,
        documentHeight,
      };
    },
  };
}
