// Pure geometry of the storefront capture. Nothing here touches the DOM, so
// the unit tests can check every rule with exact numbers.

import type { DeviceClass } from "../../../app/ingest/payload-types";

/** Widest viewport, in CSS px, classed as mobile. */
export const MOBILE_MAX_WIDTH_PX = 767;
/** Widest viewport, in CSS px, classed as tablet. */
export const TABLET_MAX_WIDTH_PX = 1023;
/** Maximum length of a selector, in characters. */
export const MAX_SELECTOR_LENGTH = 512;

const ANCHOR_ID = /^[A-Za-z][\w-]*$/;

/** The part of a DOM element that the selector algorithm reads. */
export interface SelectorElement {
  readonly tagName: string;
  readonly id: string;
  readonly parentElement: SelectorElement | null;
  readonly previousElementSibling: SelectorElement | null;
}

export function deviceClass(viewportWidth: number): DeviceClass {
  if (viewportWidth <= MOBILE_MAX_WIDTH_PX) return "mobile";
  if (viewportWidth <= TABLET_MAX_WIDTH_PX) return "tablet";
  return "desktop";
}

function isAnchor(
  element: SelectorElement,
  isUniqueId: (id: string) => boolean,
): boolean {
  return (
    element.id.length < MAX_SELECTOR_LENGTH &&
    ANCHOR_ID.test(element.id) &&
    isUniqueId(element.id)
  );
}

function nthOfType(element: SelectorElement): number {
  const tag = element.tagName.toLowerCase();
  let k = 1;
  let sibling = element.previousElementSibling;
  while (sibling) {
    if (sibling.tagName.toLowerCase() === tag) k++;
    sibling = sibling.previousElementSibling;
  }
  return k;
}

/**
 * Builds the selector of `target`: `#id` when its id is unique, else a
 * chain of `tag:nth-of-type(k)` steps from the nearest ancestor with a
 * unique id (or from `body`) down to the target. A chain longer than
 * MAX_SELECTOR_LENGTH keeps only its last steps and so loses its anchor.
 * `isUniqueId` must tell whether exactly one element in the document has
 * the id.
 *
 * NOTE: tags are lowercased, so an SVG element with a camelCase name
 * (`foreignObject`) gets a step that `querySelector` will not match.
 */
export function buildSelector(
  target: SelectorElement,
  isUniqueId: (id: string) => boolean,
): string {
  if (isAnchor(target, isUniqueId)) return "#" + target.id;
  const steps: string[] = [];
  let node: SelectorElement | null = target;
  while (node) {
    const tag = node.tagName.toLowerCase();
    if (tag === "body" || tag === "html") {
      steps.unshift(tag);
      break;
    }
    if (node !== target && isAnchor(node, isUniqueId)) {
      steps.unshift("#" + node.id);
      break;
    }
    steps.unshift(tag + ":nth-of-type(" + nthOfType(node) + ")");
    node = node.parentElement;
  }
  let selector = steps.join(" > ");
  while (selector.length > MAX_SELECTOR_LENGTH && steps.length > 1) {
    steps.shift();
    selector = steps.join(" > ");
  }
  return selector.slice(-MAX_SELECTOR_LENGTH);
}

/**
 * Converts a viewport point to document coordinates. A point in a fixed or
 * sticky box stays in viewport coordinates, because the box moves with the
 * viewport and adding the scroll offset would place it where it never was.
 */
export function pagePoint(
  clientX: number,
  clientY: number,
  scrollX: number,
  scrollY: number,
  fixed: boolean,
): { x: number; y: number } {
  // Clamped at 0: rubber-band overscroll on iOS and right-to-left pages
  // report negative scroll offsets, which no document point has.
  if (fixed) return { x: Math.max(0, clientX), y: Math.max(0, clientY) };
  return {
    x: Math.max(0, clientX + scrollX),
    y: Math.max(0, clientY + scrollY),
  };
}

/** Position of `client` inside [start, start + size] as a fraction 0..1. */
export function offsetFraction(
  client: number,
  start: number,
  size: number,
): number {
  if (!(size > 0)) return 0;
  const fraction = (client - start) / size;
  return Math.min(1, Math.max(0, fraction));
}

/**
 * Returns the document y reached by the bottom edge of the viewport,
 * capped at the document height, so a page shorter than the viewport is
 * read to its end (100%) without any scrolling.
 */
export function scrollDepth(
  scrollTop: number,
  viewportHeight: number,
  documentHeight: number,
): number {
  return Math.min(Math.max(0, scrollTop) + viewportHeight, documentHeight);
}
