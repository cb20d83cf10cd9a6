import {
  KEEPALIVE_MAX_BYTES,
  MAX_EVENTS_PER_BATCH,
  MAX_URL_LENGTH,
  type ShopifyEventPayload,
} from "../../../app/ingest/payload-types";
import {
  MAX_ATTEMPTS,
  MAX_QUEUED_EVENTS,
} from "../../storelens-embed/src/transport";
import { INGEST_URL, recordFetch, SHOP, START } from "./fake-pixel-api";
import {
  createPixelTransport,
  FLUSH_DELAY_MS,
  type QueuedEvent,
} from "./transport";

const FIRST = {
  visitorId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  sessionId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
};
const SECOND = { ...FIRST, sessionId: "16fd2706-8baf-433b-82eb-8c7fada847da" };

function item(
  n: number,
  overrides: Partial<QueuedEvent> = {},
  path = "/",
): QueuedEvent {
  const event: ShopifyEventPayload = {
    type: "shopify",
    id: `sh-${n}`,
    name: "clicked",
    at: START + n,
    path,
  };
  return { event, identity: FIRST, clientId: "client-1", ...overrides };
}

function transport() {
  return createPixelTransport({ endpoint: INGEST_URL, shop: SHOP });
}

const byteLength = (text: string) => new TextEncoder().encode(text).length;

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("createPixelTransport", () => {
  it("keeps each request within the keepalive limit", async () => {
    const sent = recordFetch();
    const queue = transport();
    const longPath = "/" + "p".repeat(MAX_URL_LENGTH - 1);
    for (let n = 0; n < 100; n++) queue.push(item(n, {}, longPath));
    queue.flush(true);
    await vi.advanceTimersByTimeAsync(0);

    expect(sent.length).toBeGreaterThan(1);
    for (const request of sent) {
      expect(byteLength(request.body)).toBeLessThanOrEqual(KEEPALIVE_MAX_BYTES);
    }
    const ids = sent.flatMap((r) =>
      r.batch.events.map((e) => "id" in e && e.id),
    );
    expect(ids).toEqual(Array.from({ length: 100 }, (_, n) => `sh-${n}`));
  });

  it("puts at most MAX_EVENTS_PER_BATCH events in a batch", async () => {
    const sent = recordFetch();
    const queue = transport();
    for (let n = 0; n < MAX_EVENTS_PER_BATCH + 20; n++) queue.push(item(n));
    queue.flush(true);
    await vi.advanceTimersByTimeAsync(0);

    expect(sent.map((r) => r.batch.events.length)).toEqual([
      MAX_EVENTS_PER_BATCH,
      20,
    ]);
  });

  it("splits batches where the session changes", async () => {
    const sent = recordFetch();
    const queue = transport();
    queue.push(item(1));
    queue.push(item(2));
    queue.push(item(3, { identity: SECOND }));
    queue.push(item(4, { identity: SECOND, clientId: "client-2" }));
    queue.flush(true);
    await vi.advanceTimersByTimeAsync(0);

    expect(sent.map((r) => r.batch.sessionId)).toEqual([
      FIRST.sessionId,
      SECOND.sessionId,
      SECOND.sessionId,
    ]);
    expect(sent.map((r) => r.batch.clientId)).toEqual([
      "client-1",
      "client-1",
      "client-2",
    ]);
    expect(sent.map((r) => r.batch.events.length)).toEqual([2, 1, 1]);
  });

  it("starts a batch at a page view with landing data", async () => {
    const sent = recordFetch();
    const queue = transport();
    const landing = { path: "/", referrer: "" };
    queue.push(item(1));
    queue.push(item(2, { landing }));
    queue.push(item(3));
    queue.flush(true);
    await vi.advanceTimersByTimeAsync(0);

    expect(sent).toHaveLength(2);
    expect(sent[0].batch).not.toHaveProperty("landing");
    expect(sent[1].batch.landing).toEqual(landing);
    expect(sent[1].batch.events).toHaveLength(2);
  });

  it("omits an empty client id", async () => {
    const sent = recordFetch();
    const queue = transport();
    queue.push(item(1, { clientId: "" }));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);

    expect(sent[0].batch).not.toHaveProperty("clientId");
  });

  it("sends one request at a time outside a final flush", async () => {
    let release: (response: Response) => void = () => {};
    const sent = recordFetch(
      () => new Promise<never>((resolve) => (release = resolve as never)),
      () => new Response("{}"),
    );
    const queue = transport();
    queue.push(item(1));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    queue.push(item(2, { identity: SECOND }));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(sent).toHaveLength(1);

    release(new Response("{}"));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(2);
    expect(sent[1].batch.sessionId).toBe(SECOND.sessionId);
  });

  it("gives up after MAX_ATTEMPTS", async () => {
    const sent = recordFetch(() => new Response("{}", { status: 500 }));
    const queue = transport();
    queue.push(item(1));
    await vi.advanceTimersByTimeAsync(60 * 60_000);

    expect(sent).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(sent.map((r) => r.batch.batchId)).size).toBe(1);
  });

  it("bounds the queue", async () => {
    const sent = recordFetch();
    const queue = transport();
    for (let n = 0; n < MAX_QUEUED_EVENTS + 50; n++) queue.push(item(n));
    queue.flush(true);
    await vi.advanceTimersByTimeAsync(0);

    const count = sent.reduce((sum, r) => sum + r.batch.events.length, 0);
    expect(count).toBe(MAX_QUEUED_EVENTS);
  });

  it("drops queued and retrying batches on clear", async () => {
    const sent = recordFetch(
      () => new Response("{}", { status: 503 }),
      () => new Response("{}"),
    );
    const queue = transport();
    queue.push(item(1));
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    queue.push(item(2));
    queue.clear();
    await vi.advanceTimersByTimeAsync(60 * 60_000);

    expect(sent).toHaveLength(1);
  });
});
