// Maps Shopify's pixel events to the ingest wire format, one function per
// event family. Only ids, counts and amounts are copied. Values typed by
// the shopper (an element's value in `clicked`, the fields of
// `form_submitted`, the search query) and the contact and address details
// of a checkout never leave the pixel.

import type {
  Cart,
  CartLine,
  Checkout,
  MoneyV2,
  PixelEvents,
  ProductVariant,
} from "@shopify/web-pixels-extension";
import {
  MAX_URL_LENGTH,
  type ShopifyEventName,
  type ShopifyEventPayload,
} from "../../../app/ingest/payload-types";

// Bounds the ingest endpoint enforces. One field outside them makes it
// reject the whole batch, so such a field is dropped here instead.
const MAX_EVENT_ID_LENGTH = 128;
const MAX_QUANTITY = 100_000;
const MAX_AMOUNT = 100_000_000;
const EARLIEST_EPOCH_MS = Date.UTC(2020, 0, 1);
const LATEST_EPOCH_MS = Date.UTC(2100, 0, 1);
const NUMERIC_ID = /^[1-9][0-9]{0,19}$/;
// Such as `gid://shopify/ProductVariant/123`. Order ids may end in `?key=`.
const GLOBAL_ID = /^gid:\/\/shopify\/[A-Za-z]+\/([1-9][0-9]{0,19})(\?.*)?$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;
const CHECKOUT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

export type PixelEvent = PixelEvents[ShopifyEventName];

type Money = Pick<ShopifyEventPayload, "amount" | "currency">;

interface EventContext {
  document?: { location?: { pathname?: unknown } };
}

/**
 * Returns the numeric id inside a Shopify GraphQL id or a plain numeric id,
 * or undefined for anything else.
 */
export function numericId(id: unknown): string | undefined {
  const text = typeof id === "number" ? String(id) : id;
  if (typeof text !== "string") return undefined;
  if (NUMERIC_ID.test(text)) return text;
  const match = GLOBAL_ID.exec(text);
  return match ? match[1] : undefined;
}

/** Returns the page path of an event, or undefined when it has none. */
export function eventPath(event: unknown): string | undefined {
  const context = (event as { context?: EventContext } | null)?.context;
  const pathname = context?.document?.location?.pathname;
  if (typeof pathname !== "string" || !pathname.startsWith("/")) {
    return undefined;
  }
  return pathname.slice(0, MAX_URL_LENGTH);
}

function money(value: MoneyV2 | null | undefined): Money {
  const amount = value?.amount;
  const currency = value?.currencyCode;
  if (
    typeof amount !== "number" ||
    !(amount >= 0 && amount <= MAX_AMOUNT) ||
    typeof currency !== "string" ||
    !CURRENCY_CODE.test(currency)
  ) {
    return {};
  }
  return { amount, currency };
}

function quantity(value: unknown): Pick<ShopifyEventPayload, "quantity"> {
  return typeof value === "number" &&
    Number.isInteger(value) &&
    value >= 0 &&
    value <= MAX_QUANTITY
    ? { quantity: value }
    : {};
}

function variantIds(
  variant: ProductVariant | null | undefined,
): Pick<ShopifyEventPayload, "productId" | "variantId"> {
  const ids: Pick<ShopifyEventPayload, "productId" | "variantId"> = {};
  const productId = numericId(variant?.product?.id);
  const variantId = numericId(variant?.id);
  if (productId) ids.productId = productId;
  if (variantId) ids.variantId = variantId;
  return ids;
}

/**
 * Returns the fields every event has, or undefined when Shopify's id or
 * timestamp is unusable. DOM events carry no page context, so they take
 * `fallbackPath`, the path of the page the pixel runs on.
 */
function baseFields(
  name: ShopifyEventName,
  event: PixelEvent,
  fallbackPath: string,
): ShopifyEventPayload | undefined {
  const id = event?.id;
  const at = Date.parse(event?.timestamp);
  const path = eventPath(event) || fallbackPath;
  if (typeof id !== "string" || !id || id.length > MAX_EVENT_ID_LENGTH) {
    return undefined;
  }
  if (!(at >= EARLIEST_EPOCH_MS && at <= LATEST_EPOCH_MS) || !path) {
    return undefined;
  }
  return { type: "shopify", id, name, at, path };
}

/** page_viewed, collection_viewed and search_submitted: the page only. */
export function mapPageEvent(base: ShopifyEventPayload): ShopifyEventPayload {
  return base;
}

/** product_viewed: the viewed product and variant. */
export function mapProductEvent(
  base: ShopifyEventPayload,
  event: PixelEvents["product_viewed"],
): ShopifyEventPayload {
  return { ...base, ...variantIds(event.data?.productVariant) };
}

/** cart_viewed: the item count and total of the whole cart. */
export function mapCartEvent(
  base: ShopifyEventPayload,
  cart: Cart | null | undefined,
): ShopifyEventPayload {
  return {
    ...base,
    ...quantity(cart?.totalQuantity),
    ...money(cart?.cost?.totalAmount),
  };
}

/** product_added_to_cart and product_removed_from_cart: one cart line. */
export function mapCartLineEvent(
  base: ShopifyEventPayload,
  line: CartLine | null | undefined,
): ShopifyEventPayload {
  return {
    ...base,
    ...variantIds(line?.merchandise),
    ...quantity(line?.quantity),
    ...money(line?.cost?.totalAmount),
  };
}

/**
 * Checkout steps and checkout_completed: the checkout token and total.
 * Returns undefined for a checkout_completed without a numeric order id,
 * because the ingest endpoint rejects the whole batch for it.
 */
export function mapCheckoutEvent(
  base: ShopifyEventPayload,
  checkout: Checkout | null | undefined,
): ShopifyEventPayload | undefined {
  const payload: ShopifyEventPayload = {
    ...base,
    ...money(checkout?.totalPrice),
  };
  const token = checkout?.token;
  if (typeof token === "string" && CHECKOUT_TOKEN.test(token)) {
    payload.checkoutToken = token;
  }
  if (base.name === "checkout_completed") {
    const orderId = numericId(checkout?.order?.id);
    if (!orderId) return undefined;
    payload.orderId = orderId;
  }
  return payload;
}

/**
 * clicked and form_submitted: when and where only. Their element data
 * contains input values, so none of it is read.
 */
export function mapDomEvent(base: ShopifyEventPayload): ShopifyEventPayload {
  return base;
}

/**
 * Maps one event received through the subscription to `name`, or returns
 * undefined when it lacks a field the ingest endpoint requires.
 */
export function mapEvent(
  name: ShopifyEventName,
  event: PixelEvent,
  fallbackPath: string,
): ShopifyEventPayload | undefined {
  const base = baseFields(name, event, fallbackPath);
  if (!base) return undefined;
  switch (name) {
    case "page_viewed":
    case "collection_viewed":
    case "search_submitted":
      return mapPageEvent(base);
    case "product_viewed":
      return mapProductEvent(base, event as PixelEvents[typeof name]);
    case "cart_viewed":
      return mapCartEvent(base, (event as PixelEvents[typeof name]).data?.cart);
    case "product_added_to_cart":
    case "product_removed_from_cart":
      return mapCartLineEvent(
        base,
        (event as PixelEvents[typeof name]).data?.cartLine,
      );
    case "checkout_started":
    case "checkout_contact_info_submitted":
    case "checkout_address_info_submitted":
    case "checkout_shipping_info_submitted":
    case "payment_info_submitted":
    case "checkout_completed":
      return mapCheckoutEvent(
        base,
        (event as PixelEvents[typeof name]).data?.checkout,
      );
    case "clicked":
    case "form_submitted":
      return mapDomEvent(base);
  }
}
