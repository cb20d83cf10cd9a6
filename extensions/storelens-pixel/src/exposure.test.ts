import { batchSchema } from "../../../app/ingest/batch-schema.server";
import { exposureFromCustomEvent, type CustomPixelEvent } from "./exposure";
import {
  CLIENT_ID,
  fakePixelApi,
  recordFetch,
  standardEvent,
  START,
} from "./fake-pixel-api";
import { createPixel } from "./pixel";
import { FLUSH_DELAY_MS } from "./transport";

/** Builds a custom event as `Shopify.analytics.publish` delivers it. */
function customEvent(
  customData: CustomPixelEvent["customData"] | Record<string, unknown>,
  at = START,
): CustomPixelEvent & Record<string, unknown> {
  return {
    id: `custom-${at}`,
    name: "experiment_viewed",
    type: "custom",
    clientId: CLIENT_ID,
    timestamp: new Date(at).toISOString(),
    customData,
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("exposureFromCustomEvent", () => {
  it("maps experiment and variant", () => {
    const event = customEvent({ experiment: "sticky-cart", variant: "b" });
    expect(exposureFromCustomEvent(event)).toEqual({
      type: "exposure",
      experiment: "sticky-cart",
      variant: "b",
      at: START,
    });
  });

  it.each([
    ["no custom data", null],
    ["another app's event", { cartValue: 12 }],
    ["a numeric variant", { experiment: "hero", variant: 2 }],
    ["free text", { experiment: "hero", variant: "Big <b>red</b>" }],
    ["an overlong key", { experiment: "k".repeat(65), variant: "b" }],
  ])("ignores %s", (_name, data) => {
    expect(exposureFromCustomEvent(customEvent(data))).toBeUndefined();
  });

  it("ignores a timestamp the server would reject", () => {
    const data = { experiment: "hero", variant: "b" };
    expect(exposureFromCustomEvent(customEvent(data, 1000))).toBeUndefined();
    const garbled = { ...customEvent(data), timestamp: "yesterday" };
    expect(exposureFromCustomEvent(garbled)).toBeUndefined();
  });
});

describe("pixel forwarding", () => {
  it("sends a published exposure with the visit's ids", async () => {
    const sent = recordFetch();
    const fake = fakePixelApi();
    createPixel(fake.api);
    fake.emit("page_viewed", standardEvent("/"));
    fake.emit(
      "all_custom_events",
      customEvent({ experiment: "sticky-cart", variant: "b" }),
    );
    fake.emit("all_custom_events", customEvent({ unrelated: true }));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    expect(sent).toHaveLength(1);
    const { batch } = sent[0];
    expect(batch.events.map((event) => event.type)).toEqual([
      "shopify",
      "exposure",
    ]);
    expect(batch.events[1]).toMatchObject({
      experiment: "sticky-cart",
      variant: "b",
    });
    expect(batchSchema.safeParse(batch).success).toBe(true);
  });

  it("holds exposures until consent and drops them on refusal", async () => {
    const sent = recordFetch();
    const fake = fakePixelApi({ allowed: false });
    createPixel(fake.api);
    const data = { experiment: "hero", variant: "a" };
    fake.emit("all_custom_events", customEvent(data));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(sent).toHaveLength(0);

    fake.setConsent(true);
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(sent).toHaveLength(1);
    expect(sent[0].batch.events[0].type).toBe("exposure");

    fake.setConsent(false);
    fake.emit("all_custom_events", customEvent(data));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(sent).toHaveLength(1);
  });
});

describe("exposure named by the page", () => {
  it("reads the URL parameter of a page view", async () => {
    const sent = recordFetch();
    const fake = fakePixelApi();
    createPixel(fake.api);
    fake.emit("page_viewed", standardEvent("/?sl_variant=hero.v2%3Ab"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    const events = sent.flatMap((request) => request.batch.events);
    const exposures = events.filter((event) => event.type === "exposure");
    expect(exposures).toEqual([
      { type: "exposure", experiment: "hero.v2", variant: "b", at: START },
    ]);
    expect(batchSchema.safeParse(sent[0].batch).success).toBe(true);
  });

  it("falls back to the cookie", async () => {
    const sent = recordFetch();
    const fake = fakePixelApi();
    fake.cookies.set("sl_variant", "free_ship:treatment");
    createPixel(fake.api);
    fake.emit("page_viewed", standardEvent("/collections/all?q=1"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    const exposure = sent
      .flatMap((request) => request.batch.events)
      .find((event) => event.type === "exposure");
    expect(exposure).toMatchObject({
      experiment: "free_ship",
      variant: "treatment",
    });
  });

  it.each([
    ["no variant", "?sl_variant=banner"],
    ["three parts", "?sl_variant=a:b:c"],
    ["markup", "?sl_variant=a:%3Cb%3E"],
    ["overlong key", `?sl_variant=${"k".repeat(65)}:b`],
  ])("ignores %s", async (_name, search) => {
    const sent = recordFetch();
    const fake = fakePixelApi();
    createPixel(fake.api);
    fake.emit("page_viewed", standardEvent(`/${search}`));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    const types = sent.flatMap((r) => r.batch.events.map((e) => e.type));
    expect(types).toEqual(["shopify"]);
  });

  it("sends nothing after refusal", async () => {
    const sent = recordFetch();
    const fake = fakePixelApi({ allowed: false });
    createPixel(fake.api);
    fake.setConsent(false);
    fake.emit("page_viewed", standardEvent("/?sl_variant=hero:b"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(sent).toHaveLength(0);
  });
});
