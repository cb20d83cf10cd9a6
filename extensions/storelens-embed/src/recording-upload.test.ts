import { gunzipSync } from "node:zlib";
import type { RecordingChunkPayload } from "../../../app/ingest/payload-types";
import { createHash } from "node:crypto";
import type { RrwebEvent } from "../../../app/replay/event-privacy";
import {
  memoryStorage,
  stylesheetSnapshot,
} from "../../../test/support/replay-fixtures";
import { createKeepaliveQuota, type KeepaliveQuota } from "./keepalive-quota";
import {
  createStylesheetCache,
  type StylesheetCache,
} from "./stylesheet-cache";
import {
  MAX_CHUNK_ATTEMPTS,
  RECORDING_KEEPALIVE_LIMIT_BYTES,
  createChunkUploader,
} from "./recording-upload";
import { MAX_UNSENT_RECORDING_CHARS, type StoredChunk } from "./unsent-chunks";

const IDENTITY = {
  visitorId: "0b3f4c5e-1111-4c1e-9d7e-3f0a6f4f1b11",
  sessionId: "7a1e2d3c-2222-4c1e-9d7e-3f0a6f4f1b11",
};
const PAGE = "5b0c2a0e-0a52-4c1e-9d7e-3f0a6f4f1b11";

interface Sent {
  url: string;
  keepalive: boolean;
  body: RecordingChunkPayload;
  bytes: number;
}

interface SetUpOptions {
  stylesheets?: StylesheetCache;
  quota?: KeepaliveQuota;
  storage?: Storage;
  shop?: string;
  page?: string;
}

/**
 * Stubs fetch with responses taken in order, then 200. "pending" never
 * settles, as a request cut off by the page's exit.
 */
function setUp(
  responses: (number | "offline" | "pending" | Response)[],
  options: SetUpOptions = {},
) {
  const sent: Sent[] = [];
  const rejected: number[] = [];
  const storage = options.storage ?? memoryStorage();
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    const bytes = init.body as Uint8Array;
    sent.push({
      url,
      keepalive: init.keepalive === true,
      body: JSON.parse(gunzipSync(bytes).toString("utf8")),
      bytes: bytes.byteLength,
    });
    const next = responses.shift() ?? 200;
    if (next === "offline") throw new TypeError("Failed to fetch");
    if (next === "pending") return new Promise<never>(() => {});
    if (next instanceof Response) return next;
    return new Response("{}", { status: next });
  });
  const uploader = createChunkUploader({
    endpoint: "https://app.test/collect/",
    shop: options.shop ?? "demo.myshopify.com",
    page: () => options.page ?? PAGE,
    identity: () => IDENTITY,
    onRejected: (status) => rejected.push(status),
    quota: options.quota ?? createKeepaliveQuota(),
    storage: () => storage,
    stylesheets: options.stylesheets,
  });
  return { sent, rejected, uploader, storage };
}

/**
 * Leaves a page whose exit batches took the whole quota, so its final
 * chunk is stored, and returns that chunk as sent.
 */
function leaveWithStoredChunk(storage: Storage, shop?: string) {
  const quota = createKeepaliveQuota();
  expect(quota.take(64 * 1024)).toBe(true);
  const leaving = setUp(["pending"], { quota, storage, shop });
  leaving.uploader.send(events(20), "session", true);
  vi.unstubAllGlobals();
  return leaving.sent[0].body;
}

function storedChunks(storage: Storage): StoredChunk[] {
  return JSON.parse(storage.getItem("storelens:unsent-recording") ?? "[]");
}

/** Builds events that gzip to more than `bytes`: random text compresses poorly. */
function noisyEvents(bytes: number) {
  return Array.from({ length: Math.ceil(bytes / 10) }, (_, index) => ({
    type: 3,
    timestamp: 1_700_000_000_000 + index,
    data: {
      source: 0,
      texts: [{ id: index, value: Math.random().toString(36) }],
    },
  }));
}

const events = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    type: 3,
    timestamp: 1_700_000_000_000 + index,
    data: { source: 1, positions: [{ x: index, y: index, id: 1 }] },
  }));

const realSetTimeout = globalThis.setTimeout;

/**
 * Lets CompressionStream finish: Node runs it on its thread pool, whose
 * callbacks need real time to pass, not fake timers.
 */
async function settle() {
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => realSetTimeout(resolve, 10));
    await vi.advanceTimersByTimeAsync(0);
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("chunk uploader", () => {
  it("sends gzip chunks in sequence with keepalive when small", async () => {
    const { sent, uploader } = setUp([]);
    uploader.send(events(3), "session", false);
    await settle();
    uploader.send(events(2), "session", true);
    await settle();
    expect(sent).toHaveLength(2);
    expect(sent[0].url).toBe(
      `https://app.test/collect/recording?shop=demo.myshopify.com&page=${PAGE}&session=${IDENTITY.sessionId}`,
    );
    expect(sent.map((chunk) => chunk.body.seq)).toEqual([0, 1]);
    expect(sent.every((chunk) => chunk.keepalive)).toBe(true);
    expect(sent[0].body.events).toHaveLength(3);
    expect(uploader.bytes()).toBe(sent[0].bytes + sent[1].bytes);
  });

  it("retries with the same chunk id", async () => {
    const { sent, uploader } = setUp(["offline", 503, 200]);
    uploader.send(events(5), "friction", false);
    await settle();
    await vi.advanceTimersByTimeAsync(2_000);
    await settle();
    await vi.advanceTimersByTimeAsync(4_000);
    await settle();
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((chunk) => chunk.body.chunkId)).size).toBe(1);
    expect(sent[0].body.mode).toBe("friction");
  });

  it("gives up after the last attempt", async () => {
    const { sent, uploader } = setUp(Array(10).fill(500));
    uploader.send(events(1), "session", false);
    await settle();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sent).toHaveLength(MAX_CHUNK_ATTEMPTS);
  });

  it("reports a recording the server turned away", async () => {
    const { rejected, sent, uploader } = setUp([413]);
    uploader.send(events(1), "session", false);
    await settle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(rejected).toEqual([413]);
    expect(sent).toHaveLength(1);
  });

  it("sends large chunks without keepalive", async () => {
    const { sent, uploader } = setUp([]);
    uploader.send(noisyEvents(40_000), "session", false);
    await settle();
    expect(sent[0].bytes).toBeGreaterThan(RECORDING_KEEPALIVE_LIMIT_BYTES);
    expect(sent[0].keepalive).toBe(false);
  });

  it("drops pending retries when stopped", async () => {
    const { sent, uploader } = setUp(["offline"]);
    uploader.send(events(1), "session", false);
    await settle();
    uploader.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toHaveLength(1);
  });
});

describe("chunk uploader and the keepalive quota", () => {
  it("leaves half the quota to event batches", async () => {
    const quota = createKeepaliveQuota();
    // Event batches already hold 20 KiB in flight.
    expect(quota.take(20 * 1024)).toBe(true);
    const { sent, uploader } = setUp([], { quota });
    uploader.send(noisyEvents(15_000), "session", false);
    await settle();
    expect(sent[0].bytes).toBeGreaterThan(12 * 1024);
    expect(sent[0].keepalive).toBe(false);
  });

  it("uses what exit batches leave", async () => {
    const quota = createKeepaliveQuota();
    expect(quota.take(20 * 1024)).toBe(true);
    const { sent, uploader, storage } = setUp(["pending"], { quota });
    uploader.send(noisyEvents(15_000), "session", true);
    expect(sent[0].bytes).toBeGreaterThan(12 * 1024);
    expect(sent[0].keepalive).toBe(true);
    expect(storedChunks(storage)).toEqual([]);
    // The chunk's bytes stay reserved while it is in flight.
    expect(quota.take(64 * 1024 - 20 * 1024 - sent[0].bytes + 1)).toBe(false);
  });

  it("releases its bytes once settled", async () => {
    const quota = createKeepaliveQuota();
    const { sent, uploader } = setUp([], { quota });
    uploader.send(events(3), "session", true);
    await settle();
    expect(sent[0].keepalive).toBe(true);
    expect(quota.take(64 * 1024)).toBe(true);
  });

  it("stores a final chunk over the quota", async () => {
    const quota = createKeepaliveQuota();
    // Exit batches took 60 KiB.
    expect(quota.take(60 * 1024)).toBe(true);
    const { sent, uploader, storage } = setUp(["pending"], { quota });
    uploader.send(noisyEvents(8_000), "session", true);

    expect(sent).toHaveLength(1);
    expect(sent[0].bytes).toBeGreaterThan(4 * 1024);
    expect(sent[0].keepalive).toBe(false);
    const stored = storedChunks(storage);
    expect(stored).toHaveLength(1);
    expect(stored[0].id).toBe(sent[0].body.chunkId);
    expect(stored[0].page).toBe(PAGE);
    expect(stored[0].session).toBe(IDENTITY.sessionId);
    expect(stored[0].shop).toBe("demo.myshopify.com");
    const body = gunzipSync(Buffer.from(stored[0].body, "base64"));
    expect(JSON.parse(body.toString("utf8"))).toEqual(sent[0].body);
  });

  it("removes a stored chunk the server took", async () => {
    const quota = createKeepaliveQuota();
    expect(quota.take(64 * 1024)).toBe(true);
    // The page lived on, as after a tab switch, and the upload went through.
    const { sent, uploader, storage } = setUp([200], { quota });
    uploader.send(events(2), "session", true);
    expect(storedChunks(storage)).toHaveLength(1);
    await settle();
    expect(sent).toHaveLength(1);
    expect(storage.getItem("storelens:unsent-recording")).toBeNull();
  });

  it("stores earlier chunks sent without keepalive", async () => {
    const { sent, uploader, storage } = setUp(["pending", "pending"]);
    uploader.send(noisyEvents(40_000), "session", false);
    await settle();
    expect(sent[0].keepalive).toBe(false);
    expect(storedChunks(storage)).toEqual([]);

    uploader.send(events(2), "session", true);
    expect(sent[1].keepalive).toBe(true);
    expect(storedChunks(storage).map((chunk) => chunk.id)).toEqual([
      sent[0].body.chunkId,
    ]);
  });

  it("sends a chunk still compressing on exit", async () => {
    const { sent, uploader } = setUp([]);
    uploader.send(events(3), "session", false);
    // The page exits before CompressionStream has finished.
    uploader.send(events(2), "session", true);
    expect(sent.map((chunk) => chunk.body.seq)).toEqual([0, 1]);
    expect(sent.every((chunk) => chunk.keepalive)).toBe(true);

    await settle();
    expect(sent).toHaveLength(2);
  });

  it("stores a chunk waiting for its retry", async () => {
    const { sent, uploader, storage } = setUp([503, "pending"]);
    uploader.send(events(3), "session", false);
    await settle();
    uploader.send(events(2), "session", true);
    expect(storedChunks(storage).map((chunk) => chunk.id)).toEqual([
      sent[0].body.chunkId,
    ]);
  });

  it("sends stored chunks on the next page", async () => {
    const storage = memoryStorage();
    const left = leaveWithStoredChunk(storage);

    const nextPage = "9d3f5a71-3333-4c1e-9d7e-3f0a6f4f1b11";
    const next = setUp([], { storage, page: nextPage });
    await settle();

    expect(next.sent).toHaveLength(1);
    expect(next.sent[0].body).toEqual(left);
    expect(next.sent[0].url).toBe(
      `https://app.test/collect/recording?shop=demo.myshopify.com&page=${PAGE}&session=${IDENTITY.sessionId}`,
    );
    expect(storage.getItem("storelens:unsent-recording")).toBeNull();
    // The earlier page's bytes do not count against this page's budget.
    expect(next.uploader.bytes()).toBe(0);
  });

  it("keeps a stored chunk after a failed resend", async () => {
    const storage = memoryStorage();
    leaveWithStoredChunk(storage);

    setUp(Array(MAX_CHUNK_ATTEMPTS).fill(503), { storage });
    await settle();
    await vi.advanceTimersByTimeAsync(120_000);
    await settle();
    expect(storedChunks(storage)).toHaveLength(1);
  });

  it("drops a stored chunk the server rejects", async () => {
    const storage = memoryStorage();
    leaveWithStoredChunk(storage);

    const next = setUp([404], { storage });
    await settle();
    expect(next.sent).toHaveLength(1);
    expect(storage.getItem("storelens:unsent-recording")).toBeNull();
  });

  it("leaves another shop's stored chunks", async () => {
    const storage = memoryStorage();
    leaveWithStoredChunk(storage, "other.myshopify.com");

    const next = setUp([], { storage });
    await settle();
    expect(next.sent).toEqual([]);
    expect(storedChunks(storage).map((chunk) => chunk.shop)).toEqual([
      "other.myshopify.com",
    ]);
  });

  it("skips a chunk past the storage cap", async () => {
    const storage = memoryStorage();
    const filler = {
      shop: "demo.myshopify.com",
      id: "filler",
      page: PAGE,
      session: IDENTITY.sessionId,
      body: "A".repeat(MAX_UNSENT_RECORDING_CHARS - 100),
    };
    storage.setItem("storelens:unsent-recording", JSON.stringify([filler]));
    const quota = createKeepaliveQuota();
    expect(quota.take(64 * 1024)).toBe(true);
    // The exit chunk is larger than the room left under the cap. (The
    // filler is no gzip, so its own resend fails and it stays stored.)
    const { sent, uploader } = setUp(["pending"], { quota, storage });
    uploader.send(events(200), "session", true);
    expect(sent).toHaveLength(1);
    expect(sent[0].keepalive).toBe(false);
    expect(storedChunks(storage).map((chunk) => chunk.id)).toEqual(["filler"]);
  });

  it("ignores unreadable stored text", async () => {
    const storage = memoryStorage();
    storage.setItem("storelens:unsent-recording", "{not json");
    const next = setUp([], { storage });
    await settle();
    expect(next.sent).toEqual([]);
  });
});

describe("chunk uploader and stylesheets", () => {
  const CSS = `.theme{color:#123}`.repeat(100);
  const HASH = createHash("sha256").update(CSS).digest("hex");

  // A full snapshot whose link and style both inline the CSS.
  const snapshotEvents = () => [
    stylesheetSnapshot(
      1_700_000_000_000,
      { _cssText: CSS },
      { textContent: CSS },
    ),
  ];

  const cssCount = (chunk: Sent) =>
    JSON.stringify(chunk.body).split(".theme{").length - 1;

  it("sends a stylesheet once per visit", async () => {
    const cssStorage = memoryStorage();
    const stylesheets = createStylesheetCache(() => cssStorage);
    const { sent, uploader } = setUp([], { stylesheets });
    uploader.send(snapshotEvents(), "session", false);
    await settle();
    uploader.send(snapshotEvents(), "session", false);
    await settle();

    expect(sent).toHaveLength(2);
    expect(cssCount(sent[0])).toBe(200);
    expect(cssCount(sent[1])).toBe(0);
    expect(JSON.stringify(sent[1].body)).toContain(HASH);
  });

  it("inlines again when the server lacks one", async () => {
    const cssStorage = memoryStorage();
    const stylesheets = createStylesheetCache(() => cssStorage);
    const unknown = Response.json(
      { error: { code: "unknown_stylesheet", message: "missing" } },
      { status: 409 },
    );
    const { sent, uploader, rejected } = setUp([200, unknown, 200], {
      stylesheets,
    });
    uploader.send(snapshotEvents(), "session", false);
    await settle();
    uploader.send(snapshotEvents(), "session", false);
    await settle();

    expect(sent).toHaveLength(3);
    expect(cssCount(sent[1])).toBe(0);
    expect(cssCount(sent[2])).toBe(200);
    expect(sent[2].body.chunkId).toBe(sent[1].body.chunkId);
    expect(rejected).toEqual([]);
  });

  it("counts an exit chunk's stylesheets as sent", async () => {
    const cssStorage = memoryStorage();
    const stylesheets = createStylesheetCache(() => cssStorage);
    await stylesheets.prepare(snapshotEvents() as RrwebEvent[]);
    const { sent, uploader } = setUp(["pending"], { stylesheets });
    uploader.send(snapshotEvents(), "session", true);
    expect(sent[0].keepalive).toBe(true);
    expect(cssCount(sent[0])).toBe(200);

    // The next page, before any response could arrive.
    const events = snapshotEvents() as RrwebEvent[];
    const next = createStylesheetCache(() => cssStorage);
    await next.prepare(events);
    expect(next.reference(events, IDENTITY.sessionId)).toEqual([]);
    expect(JSON.stringify(events)).toContain(HASH);
  });

  it("drops a chunk on another 409", async () => {
    const cssStorage = memoryStorage();
    const stylesheets = createStylesheetCache(() => cssStorage);
    const conflict = Response.json(
      { error: { code: "unknown_page_view", message: "no page" } },
      { status: 409 },
    );
    const { sent, uploader } = setUp([conflict], { stylesheets });
    uploader.send(snapshotEvents(), "session", false);
    await settle();
    await vi.advanceTimersByTimeAsync(60_000);
    await settle();
    expect(sent).toHaveLength(1);
  });
});
