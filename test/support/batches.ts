import { randomUUID } from "node:crypto";
import type {
  BatchPayload,
  ClickOutcome,
  ClickPayload,
  PagePayload,
  ScrollPayload,
  ShopifyEventPayload,
} from "../../app/ingest/payload-types";
import { batchSchema } from "../../app/ingest/batch-schema.server";
import type { PendingBatch } from "../../app/ingest/write-batch.server";

export const T0 = Date.UTC(2026, 10, 20, 14, 0, 0);

/** Outcome of a click on a button that nothing followed: a dead click. */
export const NO_EFFECT: ClickOutcome = {
  targetKind: "button",
  opensNewTab: false,
  domChangeMs: null,
  scrollMs: null,
  selectionChangeMs: null,
  navigationMs: null,
  visibilityChangeMs: null,
  focusChangeMs: null,
  hidden: false,
};

export function makePage(overrides: Partial<PagePayload> = {}): PagePayload {
  return {
    id: randomUUID(),
    path: "/products/linen-shirt",
    title: "Linen shirt",
    referrer: "",
    startedAt: T0,
    viewportWidth: 1440,
    viewportHeight: 900,
    device: "desktop",
    ...overrides,
  };
}

export function makeClick(
  page: PagePayload,
  overrides: Partial<ClickPayload> = {},
): ClickPayload {
  return {
    type: "click",
    page: page.id,
    at: page.startedAt + 1000,
    x: 900,
    y: 600,
    viewportWidth: page.viewportWidth,
    viewportHeight: page.viewportHeight,
    selector: "#add-to-cart",
    offsetX: 0.5,
    offsetY: 0.5,
    fixed: false,
    touch: false,
    ...overrides,
  };
}

export function makeScroll(
  page: PagePayload,
  overrides: Partial<ScrollPayload> = {},
): ScrollPayload {
  return {
    type: "scroll",
    page: page.id,
    at: page.startedAt + 2000,
    maxDepthPx: 1800,
    documentHeight: 3600,
    ...overrides,
  };
}

/** Builds a valid batch of one page view with one click and one scroll. */
export function makeBatch(
  shop: string,
  overrides: Partial<BatchPayload> = {},
): BatchPayload {
  const page = makePage();
  return {
    v: 1,
    batchId: randomUUID(),
    shop,
    visitorId: randomUUID(),
    sessionId: randomUUID(),
    sentAt: T0 + 5000,
    pages: [page],
    events: [makeClick(page), makeScroll(page)],
    ...overrides,
  };
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Request {
  return new Request(url, {
    method: "POST",
    headers: { "Content-Type": "text/plain", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A desktop Chrome user agent, for batches that need a real one. */
export const CHROME_USER_AGENT =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";

/** Parses a batch and pairs it with its request, as the endpoint hands it to the group writer. */
export function pendingBatch(
  payload: BatchPayload,
  request: {
    origin: string | null;
    receivedAt: Date;
    userAgent?: string | null;
  },
): PendingBatch {
  return {
    batch: batchSchema.parse(payload),
    origin: request.origin,
    context: {
      receivedAt: request.receivedAt,
      userAgent: request.userAgent ?? null,
      isBot: false,
    },
  };
}

/** Builds a pixel batch of the visit that carries a few Shopify events. */
export function pixelBatch(
  of: BatchPayload,
  events: ShopifyEventPayload[],
): BatchPayload {
  return {
    v: 1,
    batchId: randomUUID(),
    shop: of.shop,
    visitorId: of.visitorId,
    sessionId: of.sessionId,
    sentAt: of.sentAt,
    source: "pixel",
    pages: [],
    events,
  };
}
