import { watchConsent, type ConsentState, type ShopifyGlobal } from "./consent";

// consent.ts reads `window.Shopify` and listens on `document`. In Node a
// plain object and a bare EventTarget replace them.
function setUp(shopify: ShopifyGlobal | undefined) {
  const target = new EventTarget();
  vi.stubGlobal("window", { Shopify: shopify });
  vi.stubGlobal("document", target);
  const states: ConsentState[] = [];
  return {
    states,
    start: () => watchConsent((state) => states.push(state)),
    collect: (analyticsAllowed: boolean) =>
      target.dispatchEvent(
        new CustomEvent("visitorConsentCollected", {
          detail: { analyticsAllowed },
        }),
      ),
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("watchConsent", () => {
  it("allows when the API allows", () => {
    const page = setUp({
      customerPrivacy: { analyticsProcessingAllowed: () => true },
    });
    page.start();
    expect(page.states).toEqual(["allowed"]);
  });

  it("waits for the banner when not yet allowed", () => {
    const page = setUp({
      customerPrivacy: { analyticsProcessingAllowed: () => false },
    });
    page.start();
    page.collect(true);
    page.collect(false);
    expect(page.states).toEqual(["pending", "allowed", "denied"]);
  });

  it("loads the API through loadFeatures", () => {
    const shopify: ShopifyGlobal = {};
    let loaded: ((error?: unknown) => void) | undefined;
    const requested: unknown[] = [];
    shopify.loadFeatures = (features, callback) => {
      requested.push(...features);
      loaded = callback;
    };
    const page = setUp(shopify);
    page.start();
    expect(requested).toEqual([
      { name: "consent-tracking-api", version: "0.1" },
    ]);
    expect(page.states).toEqual(["loading"]);
    shopify.customerPrivacy = { analyticsProcessingAllowed: () => true };
    loaded?.();
    expect(page.states).toEqual(["loading", "allowed"]);
  });

  it("reports pending once a loaded API disallows", () => {
    const shopify: ShopifyGlobal = {};
    let loaded: ((error?: unknown) => void) | undefined;
    shopify.loadFeatures = (_features, callback) => {
      loaded = callback;
    };
    const page = setUp(shopify);
    page.start();
    shopify.customerPrivacy = { analyticsProcessingAllowed: () => false };
    loaded?.();
    expect(page.states).toEqual(["loading", "pending"]);
  });

  it("gives up when loadFeatures brings no API", () => {
    const shopify: ShopifyGlobal = {
      loadFeatures: (_features, callback) => callback(new Error("failed")),
    };
    const page = setUp(shopify);
    page.start();
    page.collect(true);
    expect(page.states).toEqual(["loading", "unavailable"]);
  });

  it("stays unavailable without any API", () => {
    const page = setUp(undefined);
    page.start();
    page.collect(true);
    expect(page.states).toEqual(["unavailable"]);
  });
});
