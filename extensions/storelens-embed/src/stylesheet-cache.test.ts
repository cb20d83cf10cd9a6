import { createHash } from "node:crypto";
import type { RrwebEvent } from "../../../app/replay/event-privacy";
import {
  memoryStorage,
  stylesheetSnapshot,
} from "../../../test/support/replay-fixtures";
import { createStylesheetCache, STORED_CSS_KEY } from "./stylesheet-cache";

const CSS = `.theme{color:#123}`.repeat(100);
const HASH = createHash("sha256").update(CSS).digest("hex");
const SESSION = "7a1e2d3c-2222-4c1e-9d7e-3f0a6f4f1b11";

/** Builds a full snapshot whose link and style both inline `css`. */
function snapshot(css = CSS): RrwebEvent[] {
  return [
    stylesheetSnapshot(
      1_700_000_000_000,
      { _cssText: css },
      { textContent: css },
    ),
  ];
}

describe("stylesheet cache", () => {
  it("keeps stylesheets inline until confirmed", async () => {
    const storage = memoryStorage();
    const cache = createStylesheetCache(() => storage);
    const events = snapshot();
    await cache.prepare(events);
    const inlined = cache.reference(events, SESSION);

    expect(inlined).toEqual([HASH, HASH]);
    expect(JSON.stringify(events).split(".theme{").length - 1).toBe(200);
  });

  it("sends confirmed stylesheets by their SHA-256", async () => {
    const storage = memoryStorage();
    const cache = createStylesheetCache(() => storage);
    await cache.prepare(snapshot());
    cache.confirm([HASH], SESSION);

    const events = snapshot();
    expect(cache.reference(events, SESSION)).toEqual([]);
    const text = JSON.stringify(events);
    expect(text).not.toContain(".theme{");
    expect(text.split(`"_storelensCss":"${HASH}"`).length - 1).toBe(2);
  });

  it("remembers confirmations across pages", async () => {
    const storage = memoryStorage();
    const first = createStylesheetCache(() => storage);
    await first.prepare(snapshot());
    first.confirm([HASH], SESSION);

    // The next page starts a recorder of its own.
    const next = createStylesheetCache(() => storage);
    const events = snapshot();
    await next.prepare(events);
    expect(next.reference(events, SESSION)).toEqual([]);
    expect(JSON.stringify(events)).not.toContain(".theme{");
  });

  it("forgets confirmations of another visit", async () => {
    const storage = memoryStorage();
    const cache = createStylesheetCache(() => storage);
    await cache.prepare(snapshot());
    cache.confirm([HASH], SESSION);

    const events = snapshot();
    const otherSession = "0b3f4c5e-1111-4c1e-9d7e-3f0a6f4f1b11";
    expect(cache.reference(events, otherSession)).toEqual([HASH, HASH]);
    expect(JSON.stringify(events)).toContain(".theme{");
  });

  it("leaves short stylesheets inline", async () => {
    const storage = memoryStorage();
    const cache = createStylesheetCache(() => storage);
    const short = ".a{color:red}";
    const shortHash = createHash("sha256").update(short).digest("hex");
    await cache.prepare(snapshot(short));
    cache.confirm([shortHash], SESSION);

    const events = snapshot(short);
    expect(cache.reference(events, SESSION)).toEqual([]);
    expect(JSON.stringify(events)).not.toContain("_storelensCss");
  });

  it("puts the CSS back after a rejection", async () => {
    const storage = memoryStorage();
    const cache = createStylesheetCache(() => storage);
    await cache.prepare(snapshot());
    cache.confirm([HASH], SESSION);
    const events = snapshot();
    cache.reference(events, SESSION);

    expect(cache.inline(events)).toEqual([HASH, HASH]);
    expect(JSON.stringify(events)).toEqual(JSON.stringify(snapshot()));
    expect(storage.getItem(STORED_CSS_KEY)).toBeNull();
  });

  it("cannot inline CSS it never saw", () => {
    const cache = createStylesheetCache(() => memoryStorage());
    const events = snapshot();
    const node = (events[0].data as { node: { childNodes: unknown[] } }).node;
    node.childNodes = [
      {
        type: 2,
        id: 2,
        tagName: "link",
        attributes: { rel: "stylesheet", _storelensCss: HASH },
        childNodes: [],
      },
    ];
    expect(cache.inline(events)).toBeUndefined();
  });

  it("works without storage", async () => {
    const blocked = {
      getItem: () => {
        throw new DOMException("blocked", "SecurityError");
      },
      setItem: () => {
        throw new DOMException("blocked", "SecurityError");
      },
      removeItem: () => {},
    } as unknown as Storage;
    const cache = createStylesheetCache(() => blocked);
    const events = snapshot();
    await cache.prepare(events);
    expect(() => cache.confirm([HASH], SESSION)).not.toThrow();
    expect(cache.reference(events, SESSION)).toEqual([HASH, HASH]);
  });
});
