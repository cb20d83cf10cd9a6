import { gunzipSync } from "node:zlib";
import type { RecordingChunkPayload } from "../../../app/ingest/payload-types";
import {
  KEEPALIVE_CHUNK_BYTES,
  MAX_CHUNK_ATTEMPTS,
  createChunkUploader,
} from "./recording-upload";

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

function setUp(responses: (number | "offline")[]) {
  const sent: Sent[] = [];
  const rejected: number[] = [];
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
    return new Response("{}", { status: next });
  });
  const uploader = createChunkUploader({
    endpoint: "https://app.test/collect/",
    shop: "demo.myshopify.com",
    page: () => PAGE,
    identity: () => IDENTITY,
    onRejected: (status) => rejected.push(status),
  });
  return { sent, rejected, uploader };
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
    const noisy = Array.from({ length: 4000 }, (_, index) => ({
      type: 3,
      timestamp: index,
      data: {
        source: 0,
        texts: [{ id: index, value: Math.random().toString(36) }],
      },
    }));
    uploader.send(noisy, "session", false);
    await settle();
    expect(sent[0].bytes).toBeGreaterThan(KEEPALIVE_CHUNK_BYTES);
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
