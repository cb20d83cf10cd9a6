import { batchSchema } from "../../../app/ingest/batch-schema.server";
import { SHOPIFY_EVENT_NAMES } from "../../../app/ingest/payload-types";
import {
  SESSION_KEY,
  touchIdentity,
  VISITOR_KEY,
} from "../../storelens-embed/src/identity";
import { RETRY_BASE_MS } from "../../storelens-embed/src/transport";
import {
  CLIENT_ID,
  domEvent,
  fakePixelApi,
  INGEST_URL,
  money,
  recordFetch,
  SHOP,
  standardEvent,
  START,
} from "./fake-pixel-api";
import { createPixel } from "./pixel";
import { FLUSH_DELAY_MS } from "./transport";

const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MINUTE_MS = 60_000;

function startPixel(options: Parameters<typeof fakePixelApi>[0] = {}) {
  const fake = fakePixelApi(options);
  createPixel(fake.api);
  return fake;
}

function addToCart(variantId: string, quantity: number, amount: number) {
  return standardEvent("/products/linen-shirt", {
    cartLine: {
      merchandise: {
        id: variantId,
        product: { id: "gid://shopify/Product/77", title: "Linen shirt" },
        price: money(amount / quantity, "EUR"),
      },
      quantity,
      cost: { totalAmount: money(amount, "EUR") },
    },
  });
}

function completedCheckout() {
  return standardEvent("/checkouts/cn/c1/thank-you", {
    checkout: {
      token: "c1token",
      totalPrice: money(59.5, "EUR"),
      order: { id: "gid://shopify/OrderIdentity/5551234", customer: null },
    },
  });
}

/** Lets the asynchronous storage calls settle without moving the clock. */
async function settle() {
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("createPixel", () => {
  it("subscribes to the recorded events only", () => {
    const fake = startPixel();
    expect(fake.subscribed).toEqual([
      ...SHOPIFY_EVENT_NAMES,
      "all_custom_events",
    ]);
    expect(fake.subscribed.some((name) => name.startsWith("input_"))).toBe(
      false,
    );
  });

  it("does nothing without an ingest URL", () => {
    for (const settings of [{}, { ingestUrl: "" }, { ingestUrl: "nope" }]) {
      const fake = startPixel({ settings });
      expect(fake.subscribed).toEqual([]);
    }
  });

  it("sends queued events after the flush delay", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/products/linen-shirt"));
    fake.emit(
      "product_added_to_cart",
      addToCart("gid://shopify/ProductVariant/4455", 2, 19.99),
    );
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS - 1);
    expect(sent).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    const [{ url, init, batch }] = sent;
    expect(url).toBe(INGEST_URL);
    expect(init.method).toBe("POST");
    expect(init.keepalive).toBe(true);
    expect(init.headers).toEqual({ "Content-Type": "text/plain" });
    expect(batch.v).toBe(1);
    expect(batch.batchId).toMatch(UUID);
    expect(batch.shop).toBe(SHOP);
    expect(batch.source).toBe("pixel");
    expect(batch.clientId).toBe(CLIENT_ID);
    expect(batch.pages).toEqual([]);
    expect(batch.events.map((event) => event.type)).toEqual([
      "shopify",
      "shopify",
    ]);
    expect(batch.events[1]).toMatchObject({
      name: "product_added_to_cart",
      variantId: "4455",
      quantity: 2,
      amount: 19.99,
      currency: "EUR",
    });
  });

  it("stores the ids it sends", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    const [{ batch }] = sent;
    expect(batch.visitorId).toMatch(UUID);
    expect(batch.sessionId).toMatch(UUID);
    expect(fake.stored.get(VISITOR_KEY)).toBe(batch.visitorId);
    expect(fake.stored.get(SESSION_KEY)).toBe(`${batch.sessionId} ${START}`);
  });

  it("flushes checkout_completed at once", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit("checkout_completed", completedCheckout());
    await settle();

    expect(sent).toHaveLength(1);
    expect(sent[0].batch.events[0]).toMatchObject({
      name: "checkout_completed",
      orderId: "5551234",
      checkoutToken: "c1token",
      amount: 59.5,
      currency: "EUR",
    });
  });

  it("flushes a link click at once", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit(
      "clicked",
      domEvent({ element: { tagName: "A", href: "/collections/all" } }),
    );
    await settle();
    expect(sent).toHaveLength(1);
  });

  it("copies no input values", async () => {
    const secret = "SECRET-4242";
    const sent = recordFetch();
    const fake = startPixel();
    const element = {
      id: "email",
      name: "email",
      tagName: "INPUT",
      type: "email",
      value: secret,
      href: null,
    };
    fake.emit("page_viewed", standardEvent("/pages/contact"));
    fake.emit("clicked", domEvent({ element, clientX: 1, clientY: 2 }));
    fake.emit(
      "form_submitted",
      domEvent({
        element: {
          id: "contact",
          action: "/contact",
          elements: [element, { ...element, id: "note", name: "note" }],
        },
      }),
    );
    fake.emit(
      "search_submitted",
      standardEvent("/search", {
        searchResult: { query: secret, productVariants: [] },
      }),
    );
    fake.emit(
      "checkout_contact_info_submitted",
      standardEvent("/checkouts/cn/c1", {
        checkout: {
          token: "c1token",
          email: secret,
          phone: secret,
          shippingAddress: { address1: secret, zip: secret },
          attributes: [{ key: "note", value: secret }],
          totalPrice: money(10, "EUR"),
        },
      }),
    );
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    const events = sent.flatMap((request) => request.batch.events);
    expect(events.map((event) => "name" in event && event.name)).toEqual([
      "page_viewed",
      "clicked",
      "form_submitted",
      "search_submitted",
      "checkout_contact_info_submitted",
    ]);
    for (const request of sent) expect(request.body).not.toContain(secret);
  });

  it("sends nothing without consent", async () => {
    const sent = recordFetch();
    const fake = startPixel({ allowed: false });
    fake.emit("page_viewed", standardEvent("/"));
    fake.emit("checkout_completed", completedCheckout());
    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);

    expect(sent).toHaveLength(0);
    expect(fake.stored.size).toBe(0);
  });

  it("sends earlier events once consent is given", async () => {
    const sent = recordFetch();
    const fake = startPixel({ allowed: false });
    fake.emit("page_viewed", standardEvent("/"));
    fake.emit("product_viewed", standardEvent("/products/linen-shirt"));
    await vi.advanceTimersByTimeAsync(5 * FLUSH_DELAY_MS);
    expect(sent).toHaveLength(0);

    fake.setConsent(true);
    fake.setConsent(true);
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);

    expect(sent).toHaveLength(1);
    const names = sent[0].batch.events.map((e) => "name" in e && e.name);
    expect(names).toEqual(["page_viewed", "product_viewed"]);
    expect(sent[0].batch.landing?.path).toBe("/");
  });

  it("drops the queue when consent is withdrawn", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/"));
    await settle();
    fake.setConsent(false);
    fake.emit("product_viewed", standardEvent("/products/linen-shirt"));
    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);

    expect(sent).toHaveLength(0);
  });

  it("drops events awaiting consent on refusal", async () => {
    const sent = recordFetch();
    const fake = startPixel({ allowed: false });
    fake.emit("page_viewed", standardEvent("/"));
    fake.setConsent(false);
    fake.setConsent(true);
    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);

    expect(sent).toHaveLength(0);
    fake.emit("page_viewed", standardEvent("/cart"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(sent).toHaveLength(1);
    expect(sent[0].batch.events).toHaveLength(1);
  });

  it("retries a 503 with the same batch id", async () => {
    const sent = recordFetch(
      () => new Response("{}", { status: 503 }),
      () => new Response("{}", { status: 200 }),
    );
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(sent).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(RETRY_BASE_MS);
    expect(sent).toHaveLength(2);
    expect(sent[1].batch.batchId).toBe(sent[0].batch.batchId);
    expect(sent[1].batch.events).toEqual(sent[0].batch.events);

    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);
    expect(sent).toHaveLength(2);
  });

  it("waits as long as Retry-After asks", async () => {
    const sent = recordFetch(
      () =>
        new Response("{}", { status: 429, headers: { "Retry-After": "7" } }),
      () => new Response("{}", { status: 200 }),
    );
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    await vi.advanceTimersByTimeAsync(6_999);
    expect(sent).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    expect(sent[1].batch.batchId).toBe(sent[0].batch.batchId);
  });

  it("retries after a network error", async () => {
    const sent = recordFetch(
      () => Promise.reject(new TypeError("Failed to fetch")),
      () => new Response("{}", { status: 200 }),
    );
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS + RETRY_BASE_MS);

    expect(sent).toHaveLength(2);
    expect(sent[1].batch.batchId).toBe(sent[0].batch.batchId);
  });

  it("drops a batch rejected with 400", async () => {
    const sent = recordFetch(() => new Response("{}", { status: 400 }));
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/"));
    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);

    expect(sent).toHaveLength(1);
  });

  it("starts a session after 31 idle minutes", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit(
      "page_viewed",
      standardEvent(
        "/collections/shirts?utm_source=newsletter&utm_medium=email" +
          "&utm_campaign=spring&email=jane%40example.com",
        {},
        { referrer: "https://www.google.com/search?q=linen+shirt" },
      ),
    );
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    const first = sent[0].batch;
    expect(first.landing).toEqual({
      path: "/collections/shirts",
      referrer: "https://www.google.com/search",
      utmSource: "newsletter",
      utmMedium: "email",
      utmCampaign: "spring",
    });

    await vi.advanceTimersByTimeAsync(31 * MINUTE_MS);
    fake.emit("page_viewed", standardEvent("/products/linen-shirt"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    const second = sent[1].batch;
    expect(second.visitorId).toBe(first.visitorId);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(second.sessionId).toMatch(UUID);
    expect(second.landing).toEqual({
      path: "/products/linen-shirt",
      referrer: "",
    });

    await vi.advanceTimersByTimeAsync(MINUTE_MS);
    fake.emit("page_viewed", standardEvent("/cart"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    const third = sent[2].batch;
    expect(third.sessionId).toBe(second.sessionId);
    expect(third).not.toHaveProperty("landing");
  });

  it("sends landing data only with a page view", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit("product_viewed", standardEvent("/products/linen-shirt"));
    fake.emit("page_viewed", standardEvent("/products/linen-shirt"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    expect(sent).toHaveLength(1);
    expect(sent[0].batch.events).toHaveLength(2);
    expect(sent[0].batch).not.toHaveProperty("landing");
  });

  it("agrees with the embed on stored ids", async () => {
    const visitor = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const session = `7c9e6679-7425-40de-944b-e07fc1f90ae7 ${START - MINUTE_MS}`;
    const embedStorage = new Map([
      [VISITOR_KEY, visitor],
      [SESSION_KEY, session],
    ]);
    const embed = touchIdentity(
      {
        getItem: (key) => embedStorage.get(key) ?? null,
        setItem: (key, value) => void embedStorage.set(key, value),
      },
      START,
    );

    const sent = recordFetch();
    const fake = fakePixelApi();
    fake.stored.set(VISITOR_KEY, visitor);
    fake.stored.set(SESSION_KEY, session);
    createPixel(fake.api);
    fake.emit("page_viewed", standardEvent("/"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    expect(sent[0].batch.visitorId).toBe(embed.visitorId);
    expect(sent[0].batch.sessionId).toBe(embed.sessionId);
    expect(fake.stored.get(SESSION_KEY)).toBe(embedStorage.get(SESSION_KEY));
    expect(sent[0].batch).not.toHaveProperty("landing");
  });

  it("keeps ids in memory when storage is blocked", async () => {
    const sent = recordFetch();
    const fake = fakePixelApi();
    fake.api.browser.localStorage.getItem = () =>
      Promise.reject(new Error("blocked"));
    fake.api.browser.localStorage.setItem = () =>
      Promise.reject(new Error("blocked"));
    createPixel(fake.api);
    fake.emit("page_viewed", standardEvent("/"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    fake.emit("product_viewed", standardEvent("/products/linen-shirt"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    expect(sent).toHaveLength(2);
    expect(sent[1].batch.visitorId).toBe(sent[0].batch.visitorId);
    expect(sent[1].batch.sessionId).toBe(sent[0].batch.sessionId);
  });

  it("creates one session for simultaneous events", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/"));
    fake.emit("collection_viewed", standardEvent("/"));
    fake.emit("clicked", domEvent({ element: { tagName: "BUTTON" } }));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    expect(sent).toHaveLength(1);
    expect(sent[0].batch.events).toHaveLength(3);
  });

  it("gives DOM events the path of the last page event", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    fake.emit("page_viewed", standardEvent("/products/linen-shirt"));
    fake.emit("clicked", domEvent({ element: { tagName: "BUTTON" } }));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    const [, click] = sent[0].batch.events;
    expect(click).toMatchObject({
      name: "clicked",
      path: "/products/linen-shirt",
    });
  });

  it("sends batches the ingest schema accepts", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    const checkout = {
      token: "c1token",
      totalPrice: money(59.5, "EUR"),
      order: null,
    };
    fake.emit(
      "page_viewed",
      standardEvent("/?utm_source=ads", {}, { referrer: "https://a.example/" }),
    );
    fake.emit("collection_viewed", standardEvent("/collections/all"));
    fake.emit("search_submitted", standardEvent("/search"));
    fake.emit(
      "product_viewed",
      standardEvent("/products/linen-shirt", {
        productVariant: {
          id: "gid://shopify/ProductVariant/4455",
          product: { id: "gid://shopify/Product/77" },
        },
      }),
    );
    fake.emit(
      "cart_viewed",
      standardEvent("/cart", {
        cart: { totalQuantity: 2, cost: { totalAmount: money(40, "EUR") } },
      }),
    );
    fake.emit("product_added_to_cart", addToCart("4455", 2, 19.99));
    fake.emit("product_removed_from_cart", addToCart("4455", 1, 9.99));
    for (const name of [
      "checkout_started",
      "checkout_contact_info_submitted",
      "checkout_address_info_submitted",
      "checkout_shipping_info_submitted",
      "payment_info_submitted",
    ] as const) {
      fake.emit(name, standardEvent("/checkouts/cn/c1", { checkout }));
    }
    fake.emit("clicked", domEvent({ element: { tagName: "BUTTON" } }));
    fake.emit("form_submitted", domEvent({ element: { elements: [] } }));
    fake.emit("checkout_completed", completedCheckout());
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    const events = sent.flatMap((request) => request.batch.events);
    expect(events).toHaveLength(SHOPIFY_EVENT_NAMES.length);
    for (const request of sent) {
      const result = batchSchema.safeParse(JSON.parse(request.body));
      expect(result.error?.issues).toBeUndefined();
    }
  });

  it("never throws from a subscriber", async () => {
    const sent = recordFetch();
    const fake = startPixel();
    for (const name of SHOPIFY_EVENT_NAMES) {
      for (const event of [null, undefined, {}, { data: null }, "text", 42]) {
        expect(() => fake.emit(name, event)).not.toThrow();
      }
    }
    expect(() =>
      fake.setConsent(undefined as unknown as boolean),
    ).not.toThrow();
    await vi.advanceTimersByTimeAsync(10 * MINUTE_MS);
    expect(sent).toHaveLength(0);
  });
});
