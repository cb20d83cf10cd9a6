import { createHash, randomBytes, randomUUID } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import type {
  BatchPayload,
  BatchResponse,
  RecordingChunkPayload,
} from "~/ingest/payload-types";
import {
  makeBatch,
  makePage,
  makeScroll,
  postJson,
} from "../../test/support/batches";
import {
  MAX_RECORDING_CHUNK_JSON_BYTES,
  MAX_RECORDING_SESSION_BYTES,
  handleRecordingChunk,
} from "./handle-recording.server";
import { stylesheetSnapshot } from "../../test/support/replay-fixtures";
import { loadReplay } from "./recording-events.server";
import { saveRecordingSettings } from "./recording-settings.server";

const SHOP = "replay.myshopify.com";
const OTHER_SHOP = "replay-other.myshopify.com";
const ORIGIN = "https://replay.example";
const logger = pino({ level: "silent" });
const SECRET = "hidden-token-8841";
const TYPED = "shopper@example.com";

let shopId: string;

/** A session id whose sampling fraction is below 0.5 (first digit < 8). */
function sampledSessionId(): string {
  return "1" + randomUUID().slice(1);
}

async function sendBatch(
  shop: string,
  overrides: Partial<BatchPayload> = {},
): Promise<{ batch: BatchPayload; body: BatchResponse }> {
  const page = makePage({ startedAt: Date.now() - 1000 });
  const batch = makeBatch(shop, {
    sentAt: Date.now(),
    pages: [page],
    events: [makeScroll(page, { at: Date.now() - 500 })],
    ...overrides,
  });
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch, { Origin: ORIGIN }),
    { pool, logger },
  );
  if (response.status !== 200) {
    throw new Error(`batch rejected: ${await response.text()}`);
  }
  return { batch, body: (await response.json()) as BatchResponse };
}

/** rrweb events of a page with a hidden input and a typed e-mail. */
function events(at: number) {
  return [
    {
      type: 4,
      timestamp: at,
      data: { href: `${ORIGIN}/?email=${TYPED}`, width: 1280, height: 800 },
    },
    {
      type: 2,
      timestamp: at + 1,
      data: {
        node: {
          type: 0,
          id: 1,
          childNodes: [
            {
              type: 2,
              id: 2,
              tagName: "input",
              attributes: { type: "hidden", value: SECRET },
              childNodes: [],
            },
            {
              type: 2,
              id: 3,
              tagName: "textarea",
              attributes: {},
              childNodes: [{ type: 3, id: 4, textContent: TYPED }],
            },
          ],
        },
        initialOffset: { top: 0, left: 0 },
      },
    },
    {
      type: 3,
      timestamp: at + 2,
      data: { source: 5, id: 2, text: TYPED, isChecked: false },
    },
    {
      type: 3,
      timestamp: at + 3,
      data: {
        source: 0,
        adds: [],
        removes: [],
        texts: [],
        attributes: [{ id: 2, attributes: { value: SECRET } }],
      },
    },
  ];
}

function chunkFor(
  batch: BatchPayload,
  overrides: Partial<RecordingChunkPayload> = {},
): RecordingChunkPayload {
  return {
    v: 1,
    shop: batch.shop,
    sessionId: batch.sessionId,
    pageViewId: batch.pages[0].id,
    chunkId: randomUUID(),
    seq: 0,
    sentAt: Date.now(),
    mode: "session",
    events: events(Date.now() - 5000),
    ...overrides,
  };
}

async function upload(
  body: Uint8Array | string,
  target: { shop: string; session: string; page: string },
  headers: Record<string, string> = { "Content-Encoding": "gzip" },
) {
  const query = new URLSearchParams(target).toString();
  const response = await handleRecordingChunk(
    new Request(`https://storelens.test/collect/recording?${query}`, {
      method: "POST",
      headers: { "Content-Type": "text/plain", Origin: ORIGIN, ...headers },
      body: body as BodyInit,
    }),
    { pool, logger },
  );
  return {
    status: response.status,
    connection: response.headers.get("connection"),
    body: await response.json(),
  };
}

function targetOf(chunk: RecordingChunkPayload) {
  return { shop: chunk.shop, session: chunk.sessionId, page: chunk.pageViewId };
}

async function storedChunks(sessionId: string) {
  const result = await pool.query<{ data: Buffer; seq: number }>(
    `SELECT data, seq FROM "RecordingChunk" WHERE "sessionId" = $1 ORDER BY seq`,
    [sessionId],
  );
  return result.rows;
}

beforeAll(async () => {
  const shop = await prisma.shop.create({
    data: { domain: SHOP, storefrontOrigins: [ORIGIN] },
  });
  shopId = shop.id;
  await prisma.shop.create({
    data: { domain: OTHER_SHOP, storefrontOrigins: [ORIGIN] },
  });
});

beforeEach(async () => {
  await pool.query(`DELETE FROM "RecordingSettings"`);
});

describe("recording directive", () => {
  it("asks for a friction buffer by default", async () => {
    const { body } = await sendBatch(SHOP, {
      sessionId: "f" + randomUUID().slice(1),
    });
    expect(body.recording).toEqual({ mode: "friction", maskSelector: "" });
  });

  it("records sampled sessions in full", async () => {
    await saveRecordingSettings(pool, shopId, {
      sampleRate: 0.5,
      frictionCapture: true,
      retentionDays: 30,
      maskSelectors: ".price\n\n  #loyalty  ",
    });
    const { body } = await sendBatch(SHOP, { sessionId: sampledSessionId() });
    expect(body.recording).toEqual({
      mode: "session",
      maskSelector: ".price, #loyalty",
    });
  });

  it("omits the directive when replay is off", async () => {
    await saveRecordingSettings(pool, shopId, {
      sampleRate: 0,
      frictionCapture: false,
      retentionDays: 30,
      maskSelectors: "",
    });
    const { body } = await sendBatch(SHOP);
    expect(body.recording).toBeUndefined();
  });

  it("omits the directive for pixel batches", async () => {
    const { body } = await sendBatch(SHOP, { source: "pixel", clientId: "c1" });
    expect(body.recording).toBeUndefined();
  });

  it("keeps recording a session that friction started", async () => {
    const sessionId = "f" + randomUUID().slice(1);
    const { batch } = await sendBatch(SHOP, { sessionId });
    const chunk = chunkFor(batch, { mode: "friction" });
    const stored = await upload(
      gzipSync(JSON.stringify(chunk)),
      targetOf(chunk),
    );
    expect(stored.status).toBe(200);
    const next = await sendBatch(SHOP, {
      sessionId,
      visitorId: batch.visitorId,
    });
    expect(next.body.recording?.mode).toBe("session");
  });

  it("keeps session mode for a retried batch", async () => {
    const sessionId = "f" + randomUUID().slice(1);
    const { batch } = await sendBatch(SHOP, { sessionId });
    const chunk = chunkFor(batch, { mode: "friction" });
    await upload(gzipSync(JSON.stringify(chunk)), targetOf(chunk));
    const next = await sendBatch(SHOP, {
      sessionId,
      visitorId: batch.visitorId,
    });

    // The browser lost the response and sends the same batch again.
    const retry = await handleBatch(
      postJson("https://storelens.test/collect", next.batch, {
        Origin: ORIGIN,
      }),
      { pool, logger },
    );
    const body = (await retry.json()) as BatchResponse;
    expect(body.duplicate).toBe(true);
    expect(body.recording?.mode).toBe("session");
  });
});

describe("recording chunk upload", () => {
  it("stores a chunk once with every form value masked", async () => {
    const { batch } = await sendBatch(SHOP);
    const chunk = chunkFor(batch);
    const body = gzipSync(JSON.stringify(chunk));
    const first = await upload(body, targetOf(chunk));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ok: true, duplicate: false });
    const again = await upload(body, targetOf(chunk));
    expect(again.body.duplicate).toBe(true);

    const rows = await storedChunks(batch.sessionId);
    expect(rows).toHaveLength(1);
    const text = gunzipSync(rows[0].data).toString("utf8");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TYPED);
    expect(text).not.toContain("shopper");
    const recording = await prisma.recording.findUniqueOrThrow({
      where: { shopId_sessionId: { shopId, sessionId: batch.sessionId } },
    });
    expect(recording.chunkCount).toBe(1);
    expect(recording.eventCount).toBe(4);
    expect(recording.reason).toBe("sample");
  });

  it("stores chunks that arrive out of order", async () => {
    const { batch } = await sendBatch(SHOP);
    const later = chunkFor(batch, { seq: 1 });
    const earlier = chunkFor(batch, { seq: 0 });
    for (const chunk of [later, earlier]) {
      const result = await upload(
        gzipSync(JSON.stringify(chunk)),
        targetOf(chunk),
      );
      expect(result.status).toBe(200);
    }
    expect((await storedChunks(batch.sessionId)).map((row) => row.seq)).toEqual(
      [0, 1],
    );
  });

  it("rejects a truncated gzip body and stores nothing", async () => {
    const { batch } = await sendBatch(SHOP);
    const chunk = chunkFor(batch);
    const body = gzipSync(JSON.stringify(chunk));
    const result = await upload(
      body.subarray(0, body.length - 12),
      targetOf(chunk),
    );
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("invalid_gzip");
    expect(await storedChunks(batch.sessionId)).toHaveLength(0);
  });

  it("rejects corrupt bytes", async () => {
    const { batch } = await sendBatch(SHOP);
    const result = await upload(randomBytes(2048), targetOf(chunkFor(batch)));
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("invalid_gzip");
  });

  it("rejects a plain JSON body", async () => {
    const { batch } = await sendBatch(SHOP);
    const chunk = chunkFor(batch);
    const result = await upload(JSON.stringify(chunk), targetOf(chunk), {});
    expect(result.status).toBe(415);
  });

  it("rejects a gzip bomb", async () => {
    const { batch } = await sendBatch(SHOP);
    const bomb = gzipSync(
      Buffer.alloc(MAX_RECORDING_CHUNK_JSON_BYTES + 1024, 32),
    );
    const result = await upload(bomb, targetOf(chunkFor(batch)));
    expect(result.status).toBe(413);
  });

  it("rejects an oversize body", async () => {
    const { batch } = await sendBatch(SHOP);
    const result = await upload(
      randomBytes(600 * 1024),
      targetOf(chunkFor(batch)),
    );
    expect(result.status).toBe(413);
    expect(result.body.error.code).toBe("payload_too_large");
  });

  it("rejects a chunk for an unknown session", async () => {
    const { batch } = await sendBatch(SHOP);
    const chunk = chunkFor(batch, { sessionId: randomUUID() });
    const result = await upload(
      gzipSync(JSON.stringify(chunk)),
      targetOf(chunk),
    );
    expect(result.status).toBe(404);
    expect(result.body.error.code).toBe("unknown_session");
  });

  it("rejects another shop's session", async () => {
    const { batch } = await sendBatch(OTHER_SHOP);
    const chunk = chunkFor(batch, { shop: SHOP });
    const result = await upload(
      gzipSync(JSON.stringify(chunk)),
      targetOf(chunk),
    );
    expect(result.status).toBe(404);
    expect(await storedChunks(batch.sessionId)).toHaveLength(0);
  });

  it("rejects a page view of another session", async () => {
    const { batch } = await sendBatch(SHOP);
    const { batch: other } = await sendBatch(SHOP);
    const chunk = chunkFor(batch, { pageViewId: other.pages[0].id });
    const result = await upload(
      gzipSync(JSON.stringify(chunk)),
      targetOf(chunk),
    );
    expect(result.status).toBe(409);
    expect(result.body.error.field).toBe("page");
  });

  it("names the invalid field", async () => {
    const { batch } = await sendBatch(SHOP);
    const chunk = chunkFor(batch, { events: [{ type: 9, timestamp: 1 }] });
    const result = await upload(
      gzipSync(JSON.stringify(chunk)),
      targetOf(chunk),
    );
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("events.0.type");
  });

  it("rejects a foreign origin", async () => {
    const { batch } = await sendBatch(SHOP);
    const chunk = chunkFor(batch);
    const result = await upload(
      gzipSync(JSON.stringify(chunk)),
      targetOf(chunk),
      {
        "Content-Encoding": "gzip",
        Origin: "https://attacker.example",
      },
    );
    expect(result.status).toBe(403);
  });

  it("stops a recording over its budget", async () => {
    const { batch } = await sendBatch(SHOP);
    const first = chunkFor(batch);
    await upload(gzipSync(JSON.stringify(first)), targetOf(first));
    await pool.query(
      `UPDATE "Recording" SET "byteSize" = $2 WHERE "sessionId" = $1`,
      [batch.sessionId, MAX_RECORDING_SESSION_BYTES - 10],
    );
    const next = chunkFor(batch, { seq: 1 });
    const result = await upload(gzipSync(JSON.stringify(next)), targetOf(next));
    expect(result.status).toBe(413);
    expect(result.body.error.code).toBe("recording_too_large");
  });

  it("rejects uploads when replay is off", async () => {
    const { batch } = await sendBatch(SHOP);
    await saveRecordingSettings(pool, shopId, {
      sampleRate: 0,
      frictionCapture: false,
      retentionDays: 30,
      maskSelectors: "",
    });
    const chunk = chunkFor(batch);
    const result = await upload(
      gzipSync(JSON.stringify(chunk)),
      targetOf(chunk),
    );
    expect(result.status).toBe(403);
    expect(result.body.error.code).toBe("recording_disabled");
    // Rejected before its body was read, the upload's connection closes.
    expect(result.connection).toBe("close");
  });

  it("records the stop marker", async () => {
    const { batch } = await sendBatch(SHOP);
    const chunk = chunkFor(batch, {
      events: [
        {
          type: 5,
          timestamp: Date.now(),
          data: {
            tag: "storelens-recording-stopped",
            payload: { reason: "size" },
          },
        },
      ],
    });
    await upload(gzipSync(JSON.stringify(chunk)), targetOf(chunk));
    const recording = await prisma.recording.findUniqueOrThrow({
      where: { shopId_sessionId: { shopId, sessionId: batch.sessionId } },
    });
    expect(recording.stoppedReason).toBe("size");
  });

  it("stores a repeated stylesheet once", async () => {
    const css = `.theme{color:#123}`.repeat(200);
    const page = (at: number) => [
      { type: 4, timestamp: at, data: { href: ORIGIN, width: 1, height: 1 } },
      stylesheetSnapshot(at + 1, { _cssText: css }, { textContent: css }),
    ];
    const { batch } = await sendBatch(SHOP);
    for (const seq of [0, 1]) {
      const chunk = chunkFor(batch, {
        seq,
        events: page(Date.now() - 5000 + seq * 10),
      });
      const result = await upload(
        gzipSync(JSON.stringify(chunk)),
        targetOf(chunk),
      );
      expect(result.status).toBe(200);
    }
    const sheets = await pool.query(
      `SELECT hash FROM "RecordingStylesheet" WHERE "shopId" = $1`,
      [shopId],
    );
    expect(sheets.rowCount).toBe(1);
    for (const row of await storedChunks(batch.sessionId)) {
      expect(gunzipSync(row.data).toString("utf8")).not.toContain(".theme{");
    }
    const replay = (await loadReplay(pool, shopId, batch.sessionId))!;
    const text = JSON.stringify(replay.events);
    expect(text.split(".theme{color:#123}").length - 1).toBe(4 * 200);
    expect(text).not.toContain("_storelensCss");
    expect(replay.missing.stylesheets).toBe(0);
  });
});

describe("stylesheet references", () => {
  const CSS = `.ref-theme{margin:0}`.repeat(100);
  const HASH = createHash("sha256").update(CSS).digest("hex");

  /** Builds a viewport event and a full snapshot with two stylesheets. */
  function snapshot(
    at: number,
    link: Record<string, unknown>,
    styleText: Record<string, unknown>,
  ) {
    return [
      { type: 4, timestamp: at, data: { href: ORIGIN, width: 1, height: 1 } },
      stylesheetSnapshot(at + 1, link, styleText),
    ];
  }

  const inline = (at: number) =>
    snapshot(at, { _cssText: CSS }, { textContent: CSS });
  const referenced = (at: number, hash = HASH) =>
    snapshot(
      at,
      { _storelensCss: hash },
      { textContent: "", _storelensCss: hash },
    );

  async function uploadEvents(
    batch: BatchPayload,
    seq: number,
    chunkEvents: unknown[],
  ) {
    const chunk = chunkFor(batch, { seq, events: chunkEvents });
    return upload(gzipSync(JSON.stringify(chunk)), targetOf(chunk));
  }

  it("replays a chunk sent by hash", async () => {
    const { batch } = await sendBatch(SHOP);
    const at = Date.now() - 5000;
    expect((await uploadEvents(batch, 0, inline(at))).status).toBe(200);
    expect((await uploadEvents(batch, 1, referenced(at + 10))).status).toBe(
      200,
    );

    const replay = (await loadReplay(pool, shopId, batch.sessionId))!;
    const text = JSON.stringify(replay.events);
    expect(text.split(".ref-theme{margin:0}").length - 1).toBe(4 * 100);
    expect(text).not.toContain("_storelensCss");
    expect(replay.missing.stylesheets).toBe(0);
  });

  it("rejects a hash the shop lacks", async () => {
    const { batch } = await sendBatch(SHOP);
    const unknown = createHash("sha256").update("never sent").digest("hex");
    const result = await uploadEvents(
      batch,
      0,
      referenced(Date.now() - 5000, unknown),
    );
    expect(result.status).toBe(409);
    expect(result.body.error.code).toBe("unknown_stylesheet");
    expect(result.body.error.message).toContain(unknown);
    expect(await storedChunks(batch.sessionId)).toEqual([]);
  });

  it("names at most five unknown hashes", async () => {
    const { batch } = await sendBatch(SHOP);
    const at = Date.now() - 5000;
    const hashes = Array.from({ length: 40 }, (_, index) =>
      createHash("sha256").update(`fake ${index}`).digest("hex"),
    );
    const result = await uploadEvents(
      batch,
      0,
      hashes.flatMap((hash, index) => referenced(at + index * 2, hash)),
    );
    expect(result.status).toBe(409);
    const message: string = result.body.error.message;
    expect(message).toContain(`${hashes[0]}, `);
    expect(message).toContain("and 35 more");
    expect(message).not.toContain(hashes[39]);
    // A rejection after the body was read keeps the connection.
    expect(result.connection).toBeNull();
  });

  it("rejects another shop's stylesheet", async () => {
    const other = await sendBatch(OTHER_SHOP);
    const otherCss = `.other-theme{margin:0}`.repeat(100);
    const otherHash = createHash("sha256").update(otherCss).digest("hex");
    const at = Date.now() - 5000;
    const stored = await uploadEvents(
      other.batch,
      0,
      snapshot(at, { _cssText: otherCss }, { textContent: otherCss }),
    );
    expect(stored.status).toBe(200);

    const { batch } = await sendBatch(SHOP);
    const result = await uploadEvents(batch, 0, referenced(at, otherHash));
    expect(result.status).toBe(409);
    expect(result.body.error.code).toBe("unknown_stylesheet");
    expect(await storedChunks(batch.sessionId)).toEqual([]);
  });

  it("rejects a malformed reference", async () => {
    const { batch } = await sendBatch(SHOP);
    const result = await uploadEvents(
      batch,
      0,
      referenced(Date.now() - 5000, "../../etc/passwd"),
    );
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("events");
    expect(await storedChunks(batch.sessionId)).toEqual([]);
  });

  it("marks a referenced stylesheet as used", async () => {
    const { batch } = await sendBatch(SHOP);
    const at = Date.now() - 5000;
    await uploadEvents(batch, 0, inline(at));
    await pool.query(
      `UPDATE "RecordingStylesheet" SET "lastUsedAt" = now() - interval '20 days'
       WHERE "shopId" = $1 AND hash = $2`,
      [shopId, HASH],
    );
    expect((await uploadEvents(batch, 1, referenced(at + 10))).status).toBe(
      200,
    );
    const row = await pool.query<{ age: number }>(
      `SELECT extract(epoch FROM now() - "lastUsedAt")::float AS age
       FROM "RecordingStylesheet" WHERE "shopId" = $1 AND hash = $2`,
      [shopId, HASH],
    );
    expect(row.rows[0].age).toBeLessThan(60);
  });
});
