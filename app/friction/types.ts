// Input rows and shared names for the friction detectors. The detectors are
// pure functions over these rows: no I/O, no database, no DOM.

/** Kind of control a click landed on, as classified by the storefront script. */
export type TargetKind =
  | "button"
  | "link"
  | "stepper"
  | "carousel"
  | "toggle"
  | "text-field"
  | "other";

/**
 * Kinds of friction that belong to one session, as stored per session and
 * compared by `impact.ts`. Scroll abandonment (per page) and repeat views
 * (per visitor) are reported on their own.
 */
export type FrictionKind =
  | "rage-click"
  | "dead-click"
  | "form-abandonment"
  | "u-turn"
  | "hover-without-click"
  | "js-error";

/** Half-open interval `[start, end)` in milliseconds since the session started. */
export type Interval = [start: number, end: number];

/**
 * One click and what followed it. All times are milliseconds since the
 * session started. Each `...At` field is the first such event after the
 * click, or null when none came within the capture window.
 */
export interface ClickRow {
  sessionId: string;
  pageViewId: string;
  at: number;
  /** Document coordinates in CSS pixels (viewport ones for fixed targets). */
  x: number;
  y: number;
  /** Stable CSS selector of the clicked element. */
  selector: string;
  targetKind: TargetKind;
  /** True for a link with `target="_blank"` or a modifier-key click. */
  opensNewTab: boolean;
  /**
   * First DOM mutation. The capture should also count changes to a form
   * control's `value` or `checked`, which are properties and so produce no
   * mutation record, or native checkboxes and steppers look unresponsive.
   */
  domChangeAt: number | null;
  scrollAt: number | null;
  selectionChangeAt: number | null;
  navigationAt: number | null;
  visibilityChangeAt: number | null;
  focusChangeAt: number | null;
  /** Periods in which the page was hidden (background tab, minimised). */
  hiddenIntervals: Interval[];
}

/** Deepest point one page view reached. */
export interface PageViewDepth {
  pageViewId: string;
  /** Deepest document y reached by the bottom edge of the viewport. */
  maxDepthPx: number;
  /** Document height when that depth was measured. */
  documentHeight: number;
}

/** A merchant-relevant element of a page and its top edge in document px. */
export interface KeyElement {
  name: string;
  top: number;
}

/** The shopper focused a form field. Times are ms since the session started. */
export interface FieldFocusRow {
  sessionId: string;
  pageViewId: string;
  formSelector: string;
  /** Selector or `name` attribute of the field, never its value. */
  field: string;
  at: number;
}

export interface FormSubmitRow {
  pageViewId: string;
  formSelector: string;
  at: number;
}

/** One page view in a session, for navigation patterns. */
export interface PageViewRow {
  sessionId: string;
  pageViewId: string;
  path: string;
  /** Epoch milliseconds. */
  startedAt: number;
}

/** The pointer rested on an element. Times are ms since the session started. */
export interface HoverRow {
  sessionId: string;
  pageViewId: string;
  selector: string;
  /** True for an element the merchant wants clicked (add to cart, buy now). */
  isCallToAction: boolean;
  startAt: number;
  endAt: number;
}

/** A product page view by a visitor, in epoch milliseconds. */
export interface ProductViewRow {
  visitorId: string;
  productId: string;
  at: number;
}

/** A visitor ordered a product. */
export interface PurchaseRow {
  visitorId: string;
  productId: string;
}

/** One uncaught JavaScript error or unhandled rejection on the storefront. */
export interface JsErrorRow {
  sessionId: string;
  pageViewId: string;
  /** Path without query string, e.g. `/products/linen-shirt`. */
  path: string;
  message: string;
  /** Epoch milliseconds. */
  at: number;
}

/** One session's outcome and the friction kinds seen in it. */
export interface SessionOutcomeRow {
  sessionId: string;
  /** Net revenue of the session's orders in shop money. */
  revenue: number;
  converted: boolean;
  signals: Set<string>;
}
