import {
  KEEPALIVE_MAX_BYTES,
  type BatchPayload,
  type ClickPayload,
  type PagePayload,
  type ScrollPayload,
} from "../../../app/ingest/payload-types";
import {
  createTransport,
  MAX_ATTEMPTS,
  MAX_QUEUED_EVENTS,
  MAX_UNSENT_BATCHES,
  MAX_RETRY_DELAY_MS,
  retryDelay,
  type TransportOptions,
} from "./transport";
import { createKeepaliveQuota } from "./keepalive-quota";

const PAGE: PagePayload = {
  id: "5b0c2a0e-0a52-4c1e-9d7e-3f0a6f4f1b11",
  path: "/products/linen-shirt",
  title: "Linen shirt",
  referrer: "",
  startedAt: 1_700_000_000_000,
  viewportWidth: 1280,
  viewportHeight: 800,
  device: "desktop",
};

function click(n: number, selector = "#buy"): ClickPayload {
  return {
    type: "click",
    page: PAGE.id,
    at: 1_700_000_000_000 + n,
    x: n,
    y: 2 * n,
    viewportWidth: 1280,
    viewportHeight: 800,
    selector,
    offsetX: 0.5,
    offsetY: 0.5,
    fixed: false,
    touch: false,
  };
}

/** Builds a small event: 500 of them fit in one keepalive body. */
function scroll(n: number): ScrollPayload {
  return {
    type: "scroll",
    page: PAGE.id,
    at: 1_700_000_000_000 + n,
    maxDepthPx: 800 + n,
    documentHeight: 4000,
  };
}

interface SentRequest {
  init: RequestInit;
  batch: BatchPayload;
}

const OK_BODY = { ok: true, duplicate: false, snapshotPages: [] };

/** Stubs fetch with responses taken in order; the last one repeats. */
function stubFetch(...responses: (() => Response | Promise<never>)[]) {
  const sent: SentRequest[] = [];
  const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
    sent.push({ init, batch: JSON.parse(String(init.body)) });
    const next = responses[Math.min(sent.length, responses.length) - 1];
    return next();
  });
  vi.stubGlobal("fetch", fetchMock);
  return { sent, fetchMock };
}

const ok = () => Response.json(OK_BODY);
const status = (code: number, headers?: Record<string, string>) => () =>
  new Response("{}", { status: code, headers });
const networkError = () => Promise.reject(new TypeError("Failed to fetch"));

function transport(overrides: Partial<TransportOptions> = {}) {
  return createTransport({
    endpoint: "http://127.0.0.1:9/collect",
    shop: "demo.myshopify.com",
    pages: () => [PAGE],
    identity: () => ({
      visitorId: "0e4bd0f4-5c39-4d3b-a7b4-0a4c1c2f6f01",
      sessionId: "6f1e7a4e-28a4-4a47-9a53-31cf2c7d1a02",
    }),
    onResponse: () => {},
    storage: () => undefined,
    ...overrides,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("transport", () => {
  it("posts a batch as text/plain with keepalive", async () => {
    const { sent, fetchMock } = stubFetch(ok);
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.runAllTimersAsync();

    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0][0]).toBe("http://127.0.0.1:9/collect");
    expect(sent[0].init.method).toBe("POST");
    expect(sent[0].init.keepalive).toBe(true);
    expect(sent[0].init.headers).toEqual({ "Content-Type": "text/plain" });
    const batch = sent[0].batch;
    expect(batch.v).toBe(1);
    expect(batch.shop).toBe("demo.myshopify.com");
    expect(batch.pages).toEqual([PAGE]);
    expect(batch.events).toEqual([click(1)]);
    expect(batch.batchId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends nothing for an empty queue", async () => {
    const { fetchMock } = stubFetch(ok);
    transport().flush(false);
    await vi.runAllTimersAsync();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("splits at 500 events per batch", async () => {
    const { sent } = stubFetch(ok);
    const queue = transport();
    for (let n = 0; n < 1200; n++) queue.push(scroll(n));
    queue.flush(false);
    await vi.runAllTimersAsync();

    expect(sent.map((request) => request.batch.events.length)).toEqual([
      500, 500, 200,
    ]);
    const ids = new Set(sent.map((request) => request.batch.batchId));
    expect(ids.size).toBe(3);
    expect(sent[2].batch.events[199]).toEqual(scroll(1199));
  });

  it("keeps each body within the keepalive limit", async () => {
    const { sent } = stubFetch(ok);
    const queue = transport();
    const longSelector = "body > " + "div:nth-of-type(2) > ".repeat(24) + "a";
    for (let n = 0; n < 300; n++) queue.push(click(n, longSelector));
    queue.flush(true);
    await vi.runAllTimersAsync();

    expect(sent.length).toBeGreaterThan(1);
    for (const request of sent) {
      const bytes = new TextEncoder().encode(String(request.init.body)).length;
      expect(bytes).toBeLessThanOrEqual(KEEPALIVE_MAX_BYTES);
    }
    const total = sent.reduce((sum, r) => sum + r.batch.events.length, 0);
    expect(total).toBe(300);
  });

  it("sends every batch at once on a final flush", async () => {
    const { sent } = stubFetch(networkError, ok);
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(0);
    // The failed batch waits for its retry while new events queue up.
    queue.push(click(2));
    queue.flush(false);
    expect(sent).toHaveLength(1);

    queue.flush(true);
    expect(sent).toHaveLength(3);
    expect(sent[1].batch.batchId).toBe(sent[0].batch.batchId);
    expect(sent[2].batch.events).toEqual([click(2)]);
  });

  it("retries a 429 after Retry-After with the same batch", async () => {
    const { sent } = stubFetch(status(429, { "Retry-After": "1" }), ok);
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    expect(sent[1].batch.batchId).toBe(sent[0].batch.batchId);
    expect(sent[1].batch.events).toEqual(sent[0].batch.events);
  });

  it("retries a 408 with the same batch", async () => {
    const { sent } = stubFetch(status(408), ok);
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.runAllTimersAsync();
    expect(sent).toHaveLength(2);
    expect(sent[1].batch.batchId).toBe(sent[0].batch.batchId);
  });

  it("backs off 2 s then 4 s after errors", async () => {
    const { sent } = stubFetch(networkError, status(503), ok);
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(1999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3999);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(3);
  });

  it("drops a batch after the last attempt", async () => {
    const { sent } = stubFetch(status(500));
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.runAllTimersAsync();
    expect(sent).toHaveLength(MAX_ATTEMPTS);
    queue.push(click(2));
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(MAX_ATTEMPTS + 1);
    expect(sent[MAX_ATTEMPTS].batch.events).toEqual([click(2)]);
  });

  it("never retries a rejected batch", async () => {
    const { sent } = stubFetch(status(400), ok);
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.runAllTimersAsync();
    expect(sent).toHaveLength(1);
  });

  it("holds new batches while a retry waits", async () => {
    const { sent } = stubFetch(status(503), ok);
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(0);
    queue.push(click(2));
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    await vi.runAllTimersAsync();
    expect(sent.map((request) => request.batch.events)).toEqual([
      [click(1)],
      [click(1)],
      [click(2)],
    ]);
  });

  it("bounds the queue", async () => {
    const { sent } = stubFetch(ok);
    const queue = transport();
    for (let n = 0; n < MAX_QUEUED_EVENTS + 50; n++) queue.push(click(n));
    queue.flush(true);
    await vi.runAllTimersAsync();
    const total = sent.reduce((sum, r) => sum + r.batch.events.length, 0);
    expect(total).toBe(MAX_QUEUED_EVENTS);
  });

  it("clear drops queued and retrying batches", async () => {
    const { sent } = stubFetch(status(503), ok);
    const queue = transport();
    queue.push(click(1));
    queue.flush(false);
    await vi.advanceTimersByTimeAsync(0);
    queue.push(click(2));
    queue.clear();
    await vi.runAllTimersAsync();
    queue.flush(true);
    expect(sent).toHaveLength(1);
  });

  it("passes the response body to onResponse", async () => {
    stubFetch(() =>
      Response.json({ ok: true, duplicate: true, snapshotPages: [PAGE.id] }),
    );
    const onResponse = vi.fn();
    const queue = transport({ onResponse });
    queue.push(click(1));
    queue.flush(false);
    await vi.runAllTimersAsync();
    expect(onResponse).toHaveBeenCalledWith({
      ok: true,
      duplicate: true,
      snapshotPages: [PAGE.id],
    });
  });
});

describe("retryDelay", () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);

  it("doubles per attempt", () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, null, now))).toEqual([
      2000, 4000, 8000, 16000,
    ]);
  });

  it("honours Retry-After seconds", () => {
    expect(retryDelay(3, "1", now)).toBe(1000);
  });

  it("honours a Retry-After date", () => {
    const at = new Date(now + 7000).toUTCString();
    expect(retryDelay(1, at, now)).toBe(7000);
  });

  it("ignores an unreadable Retry-After", () => {
    expect(retryDelay(2, "soon", now)).toBe(4000);
  });

  it("caps every delay", () => {
    expect(retryDelay(12, null, now)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelay(1, "3600", now)).toBe(MAX_RETRY_DELAY_MS);
  });
});

describe("transport at page exit", () => {
  /** Creates a `localStorage` stand-in that keeps the unsent batches in memory. */
  function memoryStorage(initial: string | null = null) {
    let value = initial;
    const storage = {
      getItem: () => value,
      setItem: (_key: string, next: string) => {
        value = next;
      },
      removeItem: () => {
        value = null;
      },
    } as unknown as Storage;
    return {
      storage: () => storage,
      read: () => value,
    };
  }

  const keepaliveBytes = (sent: SentRequest[]) =>
    sent
      .filter((request) => request.init.keepalive)
      .reduce((sum, request) => sum + String(request.init.body).length, 0);

  const pending = () => new Promise<never>(() => {});

  it("keeps keepalive bodies within the quota", async () => {
    const { sent } = stubFetch(pending);
    const queue = transport({ storage: memoryStorage().storage });
    for (let n = 0; n < 700; n++) queue.push(click(n));
    queue.flush(true);

    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((request) => request.init.keepalive)).toBe(true);
    expect(keepaliveBytes(sent)).toBeLessThanOrEqual(KEEPALIVE_MAX_BYTES);
  });

  it("stores batches beyond the quota", async () => {
    const { sent } = stubFetch(pending);
    const unsent = memoryStorage();
    const queue = transport({ storage: unsent.storage });
    for (let n = 0; n < 700; n++) queue.push(click(n));
    queue.flush(true);

    const stored = JSON.parse(unsent.read()!) as { events: unknown[] }[];
    expect(stored.length).toBeGreaterThan(0);
    const storedEvents = stored.flatMap((batch) => batch.events);
    const sentEvents = sent.flatMap((request) => request.batch.events);
    expect(sentEvents.length + storedEvents.length).toBe(700);
    expect([...sentEvents, ...storedEvents]).toEqual(
      Array.from({ length: 700 }, (_, n) => click(n)),
    );
  });

  it("counts a batch in flight against the quota", async () => {
    const { sent } = stubFetch(pending);
    const unsent = memoryStorage();
    const queue = transport({ storage: unsent.storage });
    for (let n = 0; n < 200; n++) queue.push(click(n));
    queue.flush(false);
    for (let n = 200; n < 400; n++) queue.push(click(n));
    queue.flush(true);

    expect(sent).toHaveLength(1);
    expect(keepaliveBytes(sent)).toBeLessThanOrEqual(KEEPALIVE_MAX_BYTES);
    const stored = JSON.parse(unsent.read()!) as { events: unknown[] }[];
    expect(stored.flatMap((batch) => batch.events)).toHaveLength(200);
  });

  it("counts recording bytes in flight against the quota", async () => {
    const { sent } = stubFetch(pending);
    const unsent = memoryStorage();
    const quota = createKeepaliveQuota();
    // A recording chunk of 40 KiB is in flight with keepalive.
    expect(quota.take(40 * 1024)).toBe(true);
    const queue = transport({ storage: unsent.storage, quota });
    for (let n = 0; n < 400; n++) queue.push(click(n));
    queue.flush(true);

    expect(keepaliveBytes(sent)).toBeLessThanOrEqual(24 * 1024);
    const stored = JSON.parse(unsent.read()!) as { events: unknown[] }[];
    const sentEvents = sent.flatMap((request) => request.batch.events);
    expect(sentEvents.length + stored.flatMap((b) => b.events).length).toBe(
      400,
    );
  });

  it("releases its bytes to the recording once settled", async () => {
    stubFetch(ok);
    const quota = createKeepaliveQuota();
    const queue = transport({ quota });
    for (let n = 0; n < 100; n++) queue.push(click(n));
    queue.flush(true);
    expect(quota.take(64 * 1024)).toBe(false);

    await vi.runAllTimersAsync();
    expect(quota.take(64 * 1024)).toBe(true);
  });

  it("sends stored batches with their own pages", async () => {
    stubFetch(pending);
    const unsent = memoryStorage();
    const landing = { path: PAGE.path, referrer: "" };
    const leaving = transport({ storage: unsent.storage, landing });
    for (let n = 0; n < 700; n++) leaving.push(click(n));
    leaving.flush(true);
    const stored = JSON.parse(unsent.read()!) as { id: string }[];
    vi.unstubAllGlobals();

    // The next page of the same visit starts a transport of its own.
    const { sent } = stubFetch(ok);
    const nextPage: PagePayload = { ...PAGE, id: "next-page", path: "/cart" };
    const next = transport({
      storage: unsent.storage,
      pages: () => [nextPage],
    });
    vi.setSystemTime(1_800_000_000_000);
    next.flush(false);
    await vi.runAllTimersAsync();

    expect(unsent.read()).toBeNull();
    expect(sent.map((request) => request.batch.batchId)).toEqual(
      stored.map((batch) => batch.id),
    );
    for (const { batch } of sent) {
      expect(batch.pages).toEqual([PAGE]);
      expect(batch.landing).toEqual(landing);
      expect(batch.sentAt).toBe(1_800_000_000_000);
    }
  });

  it("keeps the newest stored batches", async () => {
    stubFetch(pending);
    const old = Array.from({ length: MAX_UNSENT_BATCHES }, (_, n) => ({
      id: `old-${n}`,
      shop: "demo.myshopify.com",
      identity: { visitorId: "v", sessionId: "s" },
      events: [click(n)],
      attempts: 0,
      generation: 0,
      pages: [PAGE],
    }));
    const unsent = memoryStorage(JSON.stringify(old));
    const queue = transport({ storage: unsent.storage });
    for (let n = 0; n < 700; n++) queue.push(click(n));
    queue.flush(true);

    const stored = JSON.parse(unsent.read()!) as { id: string }[];
    expect(stored).toHaveLength(MAX_UNSENT_BATCHES);
    expect(stored[0].id).not.toBe("old-0");
  });

  it("ignores an unreadable store", async () => {
    const { sent } = stubFetch(ok);
    const unsent = memoryStorage("{not json");
    const queue = transport({ storage: unsent.storage });
    queue.push(click(1));
    queue.flush(false);
    await vi.runAllTimersAsync();

    expect(sent.map((request) => request.batch.events)).toEqual([[click(1)]]);
  });

  it("keeps the rest waiting without storage", async () => {
    const { sent } = stubFetch(ok);
    const queue = transport({ storage: () => undefined });
    for (let n = 0; n < 700; n++) queue.push(click(n));
    queue.flush(true);
    const atExit = sent.length;
    expect(keepaliveBytes(sent)).toBeLessThanOrEqual(KEEPALIVE_MAX_BYTES);

    // The page lived on, as after a tab switch: the next flushes send the rest.
    await vi.runAllTimersAsync();
    queue.flush(false);
    await vi.runAllTimersAsync();

    expect(sent.length).toBeGreaterThan(atExit);
    expect(sent.flatMap((request) => request.batch.events)).toEqual(
      Array.from({ length: 700 }, (_, n) => click(n)),
    );
  });

  it("drops stored batches when cleared", async () => {
    stubFetch(pending);
    const unsent = memoryStorage();
    const queue = transport({ storage: unsent.storage });
    for (let n = 0; n < 700; n++) queue.push(click(n));
    queue.flush(true);
    expect(unsent.read()).not.toBeNull();

    queue.clear();
    expect(unsent.read()).toBeNull();
  });
});

describe("stored exit batches", () => {
  function memoryStorage(initial: string | null = null) {
    let value = initial;
    const storage = {
      getItem: () => value,
      setItem: (_key: string, next: string) => {
        value = next;
      },
      removeItem: () => {
        value = null;
      },
    } as unknown as Storage;
    return { storage: () => storage, read: () => value };
  }

  const pending = () => new Promise<never>(() => {});

  /** Leaves a page of `shop` with more batches than the quota takes. */
  function leave(shop: string, unsent: ReturnType<typeof memoryStorage>) {
    const queue = transport({ shop, storage: unsent.storage });
    for (let n = 0; n < 700; n++) queue.push(click(n));
    queue.flush(true);
    return JSON.parse(unsent.read()!) as { id: string }[];
  }

  it("leaves another shop's batches stored", async () => {
    stubFetch(pending);
    const unsent = memoryStorage();
    const storedByA = leave("shop-a.myshopify.com", unsent);
    expect(storedByA.length).toBeGreaterThan(0);
    vi.unstubAllGlobals();

    // A page of another shop on the same origin.
    const { sent } = stubFetch(ok);
    const other = transport({
      shop: "shop-b.myshopify.com",
      storage: unsent.storage,
    });
    other.push(click(1));
    other.flush(false);
    await vi.runAllTimersAsync();

    const sentIds = sent.map((request) => request.batch.batchId);
    for (const { id } of storedByA) expect(sentIds).not.toContain(id);
    expect(sent.every((r) => r.batch.shop === "shop-b.myshopify.com")).toBe(
      true,
    );
    // Shop A's next page still sends them.
    const stillStored = JSON.parse(unsent.read()!) as { id: string }[];
    expect(stillStored.map((batch) => batch.id)).toEqual(
      storedByA.map((batch) => batch.id),
    );
  });

  it("forget deletes only this shop's batches", async () => {
    const { sent } = stubFetch(pending);
    const unsent = memoryStorage();
    leave("shop-a.myshopify.com", unsent);
    const storedByB = leave("shop-b.myshopify.com", unsent).filter(
      (batch) => (batch as { shop?: string }).shop === "shop-b.myshopify.com",
    );
    expect(storedByB.length).toBeGreaterThan(0);
    const sentBefore = sent.length;

    // A later page of shop A starts without analytics consent.
    const queue = transport({
      shop: "shop-a.myshopify.com",
      storage: unsent.storage,
    });
    queue.push(click(1));
    queue.forget();
    await vi.runAllTimersAsync();

    const stored = JSON.parse(unsent.read()!) as { id: string; shop: string }[];
    expect(stored.map((batch) => batch.shop)).not.toContain(
      "shop-a.myshopify.com",
    );
    expect(stored.map((batch) => batch.id)).toEqual(
      storedByB.map((batch) => batch.id),
    );
    expect(sent).toHaveLength(sentBefore);
  });

  it("forget deletes this shop's recording chunks", () => {
    const items = new Map<string, string>([
      [
        "storelens:unsent-recording",
        JSON.stringify([
          { shop: "shop-a.myshopify.com", id: "a", body: "" },
          { shop: "shop-b.myshopify.com", id: "b", body: "" },
        ]),
      ],
    ]);
    const storage = {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    } as unknown as Storage;
    const queue = transport({
      shop: "shop-a.myshopify.com",
      storage: () => storage,
    });
    queue.forget();

    const kept = JSON.parse(items.get("storelens:unsent-recording")!);
    expect(kept.map((chunk: { id: string }) => chunk.id)).toEqual(["b"]);

    transport({ shop: "shop-b.myshopify.com", storage: () => storage }).clear();
    expect(items.has("storelens:unsent-recording")).toBe(false);
  });

  it("forget removes the key when nothing is left", async () => {
    stubFetch(pending);
    const unsent = memoryStorage();
    leave("shop-a.myshopify.com", unsent);
    const queue = transport({
      shop: "shop-a.myshopify.com",
      storage: unsent.storage,
    });
    queue.forget();
    expect(unsent.read()).toBeNull();
  });

  it("forget keeps queued events for consent", async () => {
    const unsent = memoryStorage();
    const queue = transport({ storage: unsent.storage });
    queue.push(click(1));
    queue.forget();

    // Consent arrives later on the same page.
    const { sent } = stubFetch(ok);
    queue.flush(false);
    await vi.runAllTimersAsync();
    expect(sent.map((request) => request.batch.events)).toEqual([[click(1)]]);
  });

  it("forget survives blocked storage", () => {
    const blocked = {
      getItem: () => {
        throw new DOMException("blocked", "SecurityError");
      },
      setItem: () => {},
      removeItem: () => {},
    } as unknown as Storage;
    const queue = transport({ storage: () => blocked });
    expect(() => queue.forget()).not.toThrow();
  });

  it("skips malformed stored entries at exit", async () => {
    const { sent } = stubFetch(pending);
    const valid = {
      id: "stored-valid",
      shop: "demo.myshopify.com",
      identity: { visitorId: "v", sessionId: "s" },
      events: [click(1)],
      attempts: 0,
      generation: 0,
      pages: [PAGE],
    };
    const unsent = memoryStorage(
      JSON.stringify([valid, null, 7, { id: "no-identity" }, valid]),
    );
    const queue = transport({ storage: unsent.storage });
    // The page loads: the first stored batch goes, the rest wait.
    queue.flush(false);
    // The shopper leaves at once, with a click not yet sent.
    queue.push(click(2));
    expect(() => queue.flush(true)).not.toThrow();

    const events = sent.flatMap((request) => request.batch.events);
    expect(events).toContainEqual(click(2));
    expect(events.filter((event) => event.at === click(1).at)).toHaveLength(2);
  });

  it("keeps exit batches waiting when storage is full", async () => {
    const { sent } = stubFetch(ok);
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException("quota", "QuotaExceededError");
      },
      removeItem: () => {},
    } as unknown as Storage;
    const queue = transport({ storage: () => full });
    for (let n = 0; n < 700; n++) queue.push(click(n));
    expect(() => queue.flush(true)).not.toThrow();

    // The page lives on, and its later flushes send the rest.
    await vi.runAllTimersAsync();
    queue.flush(false);
    await vi.runAllTimersAsync();
    expect(sent.flatMap((request) => request.batch.events)).toEqual(
      Array.from({ length: 700 }, (_, n) => click(n)),
    );
  });
});
