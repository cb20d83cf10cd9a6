import { MAX_URL_LENGTH } from "../../../app/ingest/payload-types";
import { domEvent, money, standardEvent, START } from "./fake-pixel-api";
import { mapEvent, numericId, type PixelEvent } from "./map-event";

const AT = "2024-05-01T10:00:00.000Z";

function variant(id: unknown, productId: unknown) {
  return {
    id,
    title: "Blue / M",
    price: money(19.99, "EUR"),
    product: { id: productId, title: "Linen shirt", vendor: "Demo" },
  };
}

function checkout(overrides: Record<string, unknown> = {}) {
  return {
    token: "c1-abc_DEF",
    totalPrice: money(59.5, "EUR"),
    currencyCode: "EUR",
    order: null,
    lineItems: [],
    ...overrides,
  };
}

describe("numericId", () => {
  it.each([
    ["gid://shopify/ProductVariant/4455", "4455"],
    ["gid://shopify/Product/77", "77"],
    ["gid://shopify/OrderIdentity/5551234?key=abc", "5551234"],
    ["123", "123"],
    [123, "123"],
  ])("extracts %s", (input, expected) => {
    expect(numericId(input)).toBe(expected);
  });

  it.each([
    ["#1001"],
    ["gid://shopify/ProductVariant/abc"],
    ["0"],
    ["12a"],
    [""],
    [null],
    [undefined],
    [-5],
    [1.5],
    ["gid://other/ProductVariant/12"],
  ])("drops %s", (input) => {
    expect(numericId(input)).toBeUndefined();
  });
});

describe("mapEvent", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("maps page_viewed to its path and time", () => {
    const event = standardEvent("/pages/about?utm_source=mail#top");
    expect(mapEvent("page_viewed", event, "/")).toEqual({
      type: "shopify",
      id: event.id,
      name: "page_viewed",
      at: Date.parse(AT),
      path: "/pages/about",
    });
  });

  it("cuts a long path", () => {
    const path = "/" + "a".repeat(MAX_URL_LENGTH + 100);
    const mapped = mapEvent("page_viewed", standardEvent(path), "/");
    expect(mapped?.path).toHaveLength(MAX_URL_LENGTH);
  });

  it("maps collection_viewed without the collection title", () => {
    const event = standardEvent("/collections/shirts", {
      collection: { id: "gid://shopify/Collection/9", title: "Shirts" },
    });
    const mapped = mapEvent("collection_viewed", event, "/");
    expect(mapped).toEqual({
      type: "shopify",
      id: event.id,
      name: "collection_viewed",
      at: Date.parse(AT),
      path: "/collections/shirts",
    });
  });

  it("maps search_submitted without the query", () => {
    const event = standardEvent("/search", {
      searchResult: { query: "red shoes", productVariants: [] },
    });
    const mapped = mapEvent("search_submitted", event, "/");
    expect(mapped).toEqual({
      type: "shopify",
      id: event.id,
      name: "search_submitted",
      at: Date.parse(AT),
      path: "/search",
    });
  });

  it("maps product_viewed to product and variant ids", () => {
    const event = standardEvent("/products/linen-shirt", {
      productVariant: variant(
        "gid://shopify/ProductVariant/4455",
        "gid://shopify/Product/77",
      ),
    });
    const mapped = mapEvent("product_viewed", event, "/");
    expect(mapped?.productId).toBe("77");
    expect(mapped?.variantId).toBe("4455");
    expect(mapped?.amount).toBeUndefined();
    expect(mapped?.currency).toBeUndefined();
  });

  it("maps cart_viewed to the cart totals", () => {
    const event = standardEvent("/cart", {
      cart: {
        id: "gid://shopify/Cart/c1",
        totalQuantity: 3,
        cost: { totalAmount: money(64.97, "USD") },
        lines: [],
        attributes: [],
      },
    });
    const mapped = mapEvent("cart_viewed", event, "/");
    expect(mapped?.quantity).toBe(3);
    expect(mapped?.amount).toBe(64.97);
    expect(mapped?.currency).toBe("USD");
  });

  it("maps product_added_to_cart to the cart line", () => {
    const event = standardEvent("/products/linen-shirt", {
      cartLine: {
        merchandise: variant(
          "gid://shopify/ProductVariant/4455",
          "gid://shopify/Product/77",
        ),
        quantity: 2,
        cost: { totalAmount: money(19.99, "EUR") },
      },
    });
    const mapped = mapEvent("product_added_to_cart", event, "/");
    expect(mapped).toEqual({
      type: "shopify",
      id: event.id,
      name: "product_added_to_cart",
      at: Date.parse(AT),
      path: "/products/linen-shirt",
      productId: "77",
      variantId: "4455",
      quantity: 2,
      amount: 19.99,
      currency: "EUR",
    });
  });

  it("maps product_removed_from_cart with plain numeric ids", () => {
    const event = standardEvent("/cart", {
      cartLine: {
        merchandise: variant("4455", 77),
        quantity: 1,
        cost: { totalAmount: money(9.5, "EUR") },
      },
    });
    const mapped = mapEvent("product_removed_from_cart", event, "/");
    expect(mapped?.variantId).toBe("4455");
    expect(mapped?.productId).toBe("77");
    expect(mapped?.quantity).toBe(1);
  });

  it("drops malformed ids, counts and amounts", () => {
    const event = standardEvent("/cart", {
      cartLine: {
        merchandise: variant("gid://shopify/ProductVariant/x", "#12"),
        quantity: 2.5,
        cost: { totalAmount: money(-3, "EUR") },
      },
    });
    const mapped = mapEvent("product_removed_from_cart", event, "/");
    expect(mapped).toBeDefined();
    expect(mapped).not.toHaveProperty("variantId");
    expect(mapped).not.toHaveProperty("productId");
    expect(mapped).not.toHaveProperty("quantity");
    expect(mapped).not.toHaveProperty("amount");
  });

  it("never sends an amount without its currency", () => {
    const event = standardEvent("/cart", {
      cartLine: {
        merchandise: variant("4455", "77"),
        quantity: 1,
        cost: { totalAmount: { amount: 12 } },
      },
    });
    const mapped = mapEvent("product_added_to_cart", event, "/");
    expect(mapped).not.toHaveProperty("amount");
    expect(mapped).not.toHaveProperty("currency");
  });

  it.each([
    "checkout_started",
    "checkout_contact_info_submitted",
    "checkout_address_info_submitted",
    "checkout_shipping_info_submitted",
    "payment_info_submitted",
  ] as const)("maps %s to token and total", (name) => {
    const event = standardEvent("/checkouts/cn/c1", { checkout: checkout() });
    const mapped = mapEvent(name, event, "/");
    expect(mapped?.name).toBe(name);
    expect(mapped?.checkoutToken).toBe("c1-abc_DEF");
    expect(mapped?.amount).toBe(59.5);
    expect(mapped?.currency).toBe("EUR");
    expect(mapped).not.toHaveProperty("orderId");
  });

  it("maps checkout_completed to its order id", () => {
    const event = standardEvent("/checkouts/cn/c1/thank-you", {
      checkout: checkout({
        order: { id: "gid://shopify/OrderIdentity/5551234", customer: null },
      }),
    });
    const mapped = mapEvent("checkout_completed", event, "/");
    expect(mapped?.orderId).toBe("5551234");
    expect(mapped?.checkoutToken).toBe("c1-abc_DEF");
    expect(mapped?.amount).toBe(59.5);
    expect(mapped?.currency).toBe("EUR");
  });

  it("skips checkout_completed without an order id", () => {
    const event = standardEvent("/checkouts/cn/c1/thank-you", {
      checkout: checkout({ order: { id: null } }),
    });
    expect(mapEvent("checkout_completed", event, "/")).toBeUndefined();
  });

  it("drops a checkout token with odd characters", () => {
    const event = standardEvent("/checkouts/cn/c1", {
      checkout: checkout({ token: "tok en/1" }),
    });
    const mapped = mapEvent("checkout_started", event, "/");
    expect(mapped).not.toHaveProperty("checkoutToken");
  });

  it("gives DOM events the fallback path", () => {
    const event = domEvent({
      element: { id: "buy", tagName: "BUTTON", value: "x", href: null },
    });
    expect(mapEvent("clicked", event, "/products/linen-shirt")).toEqual({
      type: "shopify",
      id: event.id,
      name: "clicked",
      at: START,
      path: "/products/linen-shirt",
    });
  });

  it("maps form_submitted to when and where only", () => {
    const event = domEvent({
      element: {
        id: "contact",
        action: "/contact",
        elements: [{ id: "email", name: "email", value: "x@example.com" }],
      },
    });
    expect(mapEvent("form_submitted", event, "/pages/contact")).toEqual({
      type: "shopify",
      id: event.id,
      name: "form_submitted",
      at: START,
      path: "/pages/contact",
    });
  });

  it.each([
    ["no id", { id: undefined }],
    ["a long id", { id: "x".repeat(129) }],
    ["a bad timestamp", { timestamp: "yesterday" }],
    ["a timestamp before 2020", { timestamp: "2019-12-31T23:59:59Z" }],
  ])("skips an event with %s", (_case, override) => {
    const event = { ...standardEvent("/"), ...override } as PixelEvent;
    expect(mapEvent("page_viewed", event, "/")).toBeUndefined();
  });

  it("skips a DOM event when no path is known", () => {
    expect(mapEvent("clicked", domEvent({}), "")).toBeUndefined();
  });

  it("survives events without data", () => {
    const event = { ...standardEvent("/cart"), data: undefined };
    const names = [
      "product_viewed",
      "cart_viewed",
      "product_added_to_cart",
      "checkout_started",
    ] as const;
    for (const name of names) {
      expect(() =>
        mapEvent(name, event as unknown as PixelEvent, "/"),
      ).not.toThrow();
    }
  });
});
