import type { ExtensionApi } from "@shopify/web-pixels-extension";
import { SHOPIFY_EVENT_NAMES } from "../../../app/ingest/payload-types";
import {
  fakePixelApi,
  recordFetch,
  standardEvent,
  START,
} from "./fake-pixel-api";
import { FLUSH_DELAY_MS } from "./transport";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("pixel entry point", () => {
  it("registers through shopify.extend", async () => {
    vi.useFakeTimers({ now: START });
    const registered: [string, (api: ExtensionApi) => void][] = [];
    vi.stubGlobal("shopify", {
      extend(name: string, extend: (api: ExtensionApi) => void) {
        registered.push([name, extend]);
      },
    });
    await import("./index");

    expect(registered).toHaveLength(1);
    const [name, extend] = registered[0];
    expect(name).toBe("WebPixel::Render");

    const sent = recordFetch();
    const fake = fakePixelApi();
    extend(fake.api as unknown as ExtensionApi);
    expect(fake.subscribed).toEqual([
      ...SHOPIFY_EVENT_NAMES,
      "all_custom_events",
    ]);
    fake.emit("page_viewed", standardEvent("/"));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(sent).toHaveLength(1);
    expect(sent[0].batch.source).toBe("pixel");
  });

  it("survives an API without the expected parts", async () => {
    const registered: ((api: ExtensionApi) => void)[] = [];
    vi.stubGlobal("shopify", {
      extend: (_name: string, extend: (api: ExtensionApi) => void) =>
        registered.push(extend),
    });
    vi.resetModules();
    await import("./index");

    expect(() => registered[0]({} as ExtensionApi)).not.toThrow();
    expect(() =>
      registered[0]({
        settings: { ingestUrl: "http://localhost/collect" },
      } as unknown as ExtensionApi),
    ).not.toThrow();
  });
});
