// Wire format of a batch sent by the storefront script to `POST /collect`.
// Types only: the storefront bundle imports this file, so it must never
// import server code or zod. The server validates every field again in
// `batch-schema.server.ts`.

export const PAYLOAD_VERSION = 1;

/** Limits shared by the storefront script and the ingest endpoint. */
export const MAX_EVENTS_PER_BATCH = 500;
export const MAX_BATCH_BYTES = 256 * 1024;
/** `fetch(..., { keepalive: true })` rejects bodies over 64 KiB in total. */
export const KEEPALIVE_MAX_BYTES = 64 * 1024;

/** Longest path or referrer the server accepts; longer ones are cut. */
export const MAX_URL_LENGTH = 2048;
export const MAX_TITLE_LENGTH = 512;

export type DeviceClass = "mobile" | "tablet" | "desktop";

/** One page view: a document load or a client-side navigation. */
export interface PagePayload {
  /** Random id made by the browser (UUID). */
  id: string;
  /** Path without query string or fragment, e.g. `/products/linen-shirt`. */
  path: string;
  title: string;
  /**
   * Origin and path of `document.referrer`, without its query string, which
   * can carry search terms or e-mail addresses. Empty when there is none.
   */
  referrer: string;
  /** Epoch milliseconds on the shopper's clock. */
  startedAt: number;
  viewportWidth: number;
  viewportHeight: number;
  device: DeviceClass;
}

export interface ClickPayload {
  type: "click";
  /** Id of the page view the click belongs to. */
  page: string;
  at: number;
  /**
   * Document coordinates in CSS pixels. For a target inside a fixed or
   * sticky container these are viewport coordinates: the scroll offset is
   * not added, because the container moves with the viewport.
   */
  x: number;
  y: number;
  viewportWidth: number;
  viewportHeight: number;
  /** Stable CSS selector of the clicked element. */
  selector: string;
  /** Click position inside the target's border box, 0..1 on each axis. */
  offsetX: number;
  offsetY: number;
  /** True when the target sits in a `position: fixed` or `sticky` box. */
  fixed: boolean;
  /** True for a touch tap, false for a mouse or pen click. */
  touch: boolean;
  /** Effects of the click; absent from scripts that do not measure them. */
  outcome?: ClickOutcome;
}

export type ClickTargetKind =
  | "button"
  | "link"
  | "stepper"
  | "carousel"
  | "toggle"
  | "text-field"
  | "other";

/** Maximum time a click waits for its effects before it is sent. */
export const CLICK_OUTCOME_WINDOW_MS = 2500;

/**
 * Effects of a click, measured in the page. Each `...Ms` field is the time
 * from the click to the first effect of its kind, or null when none came
 * within CLICK_OUTCOME_WINDOW_MS.
 */
export interface ClickOutcome {
  targetKind: ClickTargetKind;
  /** A link with target="_blank", or a click with a modifier key. */
  opensNewTab: boolean;
  /** DOM mutation, or a change of a control's value or checked state. */
  domChangeMs: number | null;
  scrollMs: number | null;
  selectionChangeMs: number | null;
  navigationMs: number | null;
  visibilityChangeMs: number | null;
  focusChangeMs: number | null;
  /** True when the page was hidden at the moment of the click. */
  hidden: boolean;
}

export interface ScrollPayload {
  type: "scroll";
  page: string;
  at: number;
  /** Deepest document y reached by the bottom edge of the viewport. */
  maxDepthPx: number;
  /** Document height when that depth was measured. */
  documentHeight: number;
}

/**
 * Pointer position, sampled while a mouse moves (desktop only) and placed
 * like a click: the element under the pointer and the position inside it.
 */
export interface MovePayload {
  type: "move";
  page: string;
  at: number;
  x: number;
  y: number;
  selector: string;
  offsetX: number;
  offsetY: number;
  fixed: boolean;
}

/** The mouse rested on a control (link, button, field) for `durationMs`. */
export interface HoverPayload {
  type: "hover";
  page: string;
  /** When the pointer entered the control. */
  at: number;
  durationMs: number;
  selector: string;
  /** True for a control that adds to cart or goes to checkout. */
  cta: boolean;
}

/**
 * A form field gained or lost focus, or a form was submitted. `field` is
 * the field's selector; a value is never sent. `form` is the selector of
 * the field's form, empty for a field outside any form.
 */
export interface FieldPayload {
  type: "focus" | "blur" | "submit";
  page: string;
  at: number;
  field: string;
  form: string;
}

/** Most JavaScript errors one page view reports; later ones are dropped. */
export const MAX_ERRORS_PER_PAGE = 20;
export const MAX_ERROR_MESSAGE_LENGTH = 300;

/** An uncaught error or unhandled promise rejection on the page. */
export interface ErrorPayload {
  type: "error";
  page: string;
  at: number;
  message: string;
}

/** Shopify standard and DOM events the web pixel forwards. */
export const SHOPIFY_EVENT_NAMES = [
  "page_viewed",
  "product_viewed",
  "collection_viewed",
  "search_submitted",
  "cart_viewed",
  "product_added_to_cart",
  "product_removed_from_cart",
  "checkout_started",
  "checkout_contact_info_submitted",
  "checkout_address_info_submitted",
  "checkout_shipping_info_submitted",
  "payment_info_submitted",
  "checkout_completed",
  "clicked",
  "form_submitted",
] as const;

export type ShopifyEventName = (typeof SHOPIFY_EVENT_NAMES)[number];

/**
 * One Shopify event as the web pixel forwards it: ids and amounts only.
 * Values typed by the shopper (DOM events carry them) are never sent.
 */
export interface ShopifyEventPayload {
  type: "shopify";
  /** Shopify's event id (`event.id`), used to store a redelivery once. */
  id: string;
  name: ShopifyEventName;
  /** Epoch milliseconds of `event.timestamp`. */
  at: number;
  /** Path of `event.context.document.location`, without query string. */
  path: string;
  /** Numeric product and variant ids (from GraphQL ids or plain numbers). */
  productId?: string;
  variantId?: string;
  quantity?: number;
  /** Line cost (cart events) or checkout total (checkout events). */
  amount?: number;
  /** ISO 4217 code of `amount`; required whenever `amount` is present. */
  currency?: string;
  checkoutToken?: string;
  /** Numeric order id from checkout_completed (`checkout.order.id`). */
  orderId?: string;
}

/** Longest experiment or variant key the server accepts. */
export const MAX_EXPERIMENT_KEY_LENGTH = 64;
/** Experiment and variant keys: letters, digits, `_`, `-` and `.`. */
export const EXPERIMENT_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The shopper saw one variant of an A/B test. The theme or a testing tool
 * reports it as a custom event or names it in an `sl_variant` URL parameter
 * or cookie, and the web pixel forwards it. The visit belongs to the first
 * variant it saw.
 */
export interface ExposurePayload {
  type: "exposure";
  experiment: string;
  variant: string;
  at: number;
}

export type EventPayload =
  | ClickPayload
  | ScrollPayload
  | MovePayload
  | HoverPayload
  | FieldPayload
  | ErrorPayload
  | ShopifyEventPayload
  | ExposurePayload;

/**
 * Where the visit came from, read from the landing page's URL and
 * `document.referrer`. Sent with the first batch of a session.
 */
export interface LandingPayload {
  path: string;
  /** Origin and path of the referrer, without query string; empty if none. */
  referrer: string;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
}

export interface BatchPayload {
  v: typeof PAYLOAD_VERSION;
  /** Random id per batch: a retried batch keeps its id and is stored once. */
  batchId: string;
  /** The shop's permanent `*.myshopify.com` domain. */
  shop: string;
  /** Long-lived id of the browser, kept in first-party storage. */
  visitorId: string;
  /** Id of the visit; a new one after 30 minutes without activity. */
  sessionId: string;
  /** Epoch milliseconds on the shopper's clock when the batch was sent. */
  sentAt: number;
  pages: PagePayload[];
  events: EventPayload[];
  /** Script that sent the batch, the embed when absent. */
  source?: "embed" | "pixel";
  /** Shopify's client id, when the sender has it (the pixel always does). */
  clientId?: string;
  landing?: LandingPayload;
}

/** Body of a successful `POST /collect` response. */
export interface BatchResponse {
  ok: true;
  duplicate: boolean;
  /** Ids of page views for which the server wants a DOM snapshot. */
  snapshotPages: string[];
  /** Whether and how to record the visit for replay; absent: do not. */
  recording?: RecordingDirective;
}

/**
 * - `session`: record the page view and upload it as it goes.
 * - `friction`: keep about the last 30 s in memory and upload it, then
 *   record the rest of the page view, only after a rage or dead click.
 */
export type RecordingMode = "session" | "friction";

export interface RecordingDirective {
  mode: RecordingMode;
  /** Merchant's CSS selector of elements whose text is masked, or "". */
  maskSelector: string;
}

/** Largest gzip body of `POST /collect/recording`. */
export const MAX_RECORDING_CHUNK_BYTES = 512 * 1024;

/**
 * Body of `POST /collect/recording?shop=...&session=...`, gzip-compressed
 * by the browser. `events` are rrweb events with inputs masked.
 */
export interface RecordingChunkPayload {
  v: typeof PAYLOAD_VERSION;
  shop: string;
  sessionId: string;
  pageViewId: string;
  /** Random id per chunk: a retried upload keeps it and is stored once. */
  chunkId: string;
  /** Order of the chunk within its page view, from 0. */
  seq: number;
  /** Epoch milliseconds on the shopper's clock when the chunk was made. */
  sentAt: number;
  mode: RecordingMode;
  events: unknown[];
}

/** Custom rrweb event tag that ends a recording before the page does. */
export const RECORDING_STOPPED_TAG = "storelens-recording-stopped";

/** Body of `POST /collect/snapshot`, gzip-compressed by the browser. */
export interface SnapshotPayload {
  v: typeof PAYLOAD_VERSION;
  shop: string;
  page: string;
  path: string;
  device: DeviceClass;
  viewportWidth: number;
  viewportHeight: number;
  documentHeight: number;
  /** rrweb-snapshot serialized node tree, inputs masked. */
  node: unknown;
  /** Top edges, in document px, of the key elements found in the page. */
  keyElements?: KeyElementPayload[];
}

export const KEY_ELEMENT_NAMES = [
  "Add to cart",
  "Buy now",
  "Price",
  "Reviews",
  "Description",
] as const;

export interface KeyElementPayload {
  name: (typeof KEY_ELEMENT_NAMES)[number];
  top: number;
}

/** Every 4xx from the ingest endpoints has this body. */
export interface IngestErrorBody {
  error: {
    code: string;
    message: string;
    /** Dotted path of the offending field, e.g. `events.3.x`. */
    field?: string;
  };
}
