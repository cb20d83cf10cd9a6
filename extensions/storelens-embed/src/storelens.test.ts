// @vitest-environment jsdom

import { CART_ATTRIBUTE, CART_SESSION_KEY } from "./cart-attribute";
import { SESSION_KEY } from "./identity";

const ENDPOINT = "http://localhost/collect";

interface RecordedRequest {
  url: string;
  body: string;
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("storefront script", () => {
  it("writes the cart attribute once, after consent", async () => {
    vi.useFakeTimers();
    const requests: RecordedRequest[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        requests.push({ url, body: String(init.body) });
        // The demo storefront has no Ajax Cart API.
        if (url.endsWith("/cart/update.js")) {
          return new Response("", { status: 404 });
        }
        return Response.json({ ok: true, duplicate: false, snapshotPages: [] });
      }),
    );
    let allowed = false;
    Object.assign(window, {
      Shopify: {
        customerPrivacy: { analyticsProcessingAllowed: () => allowed },
        routes: { root: "/en-ca/" },
      },
    });
    document.body.innerHTML =
      `<script data-storelens data-endpoint="${ENDPOINT}"` +
      ` data-shop="demo.myshopify.com"></script>`;
    const cartRequests = () =>
      requests.filter((request) => request.url.includes("/cart/"));

    // Imported only now: the script looks for its tag when it loads.
    const { FLUSH_INTERVAL_MS } = await import("./storelens");
    await vi.advanceTimersByTimeAsync(3 * FLUSH_INTERVAL_MS);
    expect(requests).toEqual([]);
    expect(localStorage.length).toBe(0);

    allowed = true;
    document.dispatchEvent(
      new CustomEvent("visitorConsentCollected", {
        detail: { analyticsAllowed: true },
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    const sessionId = localStorage.getItem(SESSION_KEY)!.split(" ")[0];
    expect(cartRequests().map((request) => request.url)).toEqual([
      "/en-ca/cart/update.js",
    ]);
    expect(JSON.parse(cartRequests()[0].body)).toEqual({
      attributes: { [CART_ATTRIBUTE]: sessionId },
    });
    expect(localStorage.getItem(CART_SESSION_KEY)).toBe(sessionId);

    await vi.advanceTimersByTimeAsync(6 * FLUSH_INTERVAL_MS);
    expect(cartRequests()).toHaveLength(1);
  });
});
