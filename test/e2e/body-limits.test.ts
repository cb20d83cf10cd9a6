// Sends bodies with chunked transfer encoding, and one whose Content-Length
// is smaller than the body, to the built app over a raw socket. The route
// tests build their Request objects directly, so only this file checks
// what a client sees through Node's HTTP server and the Remix adapter.

import net from "node:net";
import pino from "pino";
import { pool, prisma } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { MAX_SNAPSHOT_UPLOAD_BYTES } from "~/ingest/handle-snapshot.server";
import {
  MAX_BATCH_BYTES,
  MAX_RECORDING_CHUNK_BYTES,
} from "~/ingest/payload-types";
import { FIXTURE_ORDER_BASE, restOrder } from "~/orders/test-fixtures";
import { MAX_WEBHOOK_BYTES } from "~/webhook-auth.server";
import type { AppServer } from "../../scripts/lib/app-server";
import { makeBatch, makeClick, makePage, postJson } from "../support/batches";
import { webhookRequest } from "../support/shopify";
import { startBuiltApp } from "../support/built-app";

const PIECE_BYTES = 64 * 1024;

let server: AppServer;
let port = 0;

interface RawReply {
  /** The reply's status, or 0 when the server reset the connection first. */
  status: number;
  headers: Record<string, string>;
  /** Body bytes written before the reply arrived or the socket closed. */
  bodyBytesWritten: number;
}

/**
 * Checks that the server refused an oversized body before reading it whole,
 * with a 413 and `Connection: close` that reached the client although the
 * client was still writing.
 */
function expectStoppedEarly(reply: RawReply, bodyBytes: number) {
  expect(reply.bodyBytesWritten).toBeLessThan(bodyBytes);
  expect(reply.status).toBe(413);
  expect(reply.headers.connection).toBe("close");
}

/**
 * Posts `body` over a raw socket, with `Transfer-Encoding: chunked` unless
 * `headers` declares a Content-Length. Writing follows the socket's
 * back-pressure and stops once the reply's header block has arrived, so a
 * test can tell that the server replied before the whole body was sent.
 * With `readAfterMs`, the client reads nothing for that long and goes on
 * writing meanwhile, as a slow client would.
 */
function rawPost(
  target: string,
  headers: Record<string, string>,
  body: Buffer,
  readAfterMs = 0,
): Promise<RawReply> {
  const declared = Object.keys(headers).some(
    (name) => name.toLowerCase() === "content-length",
  );
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    if (readAfterMs > 0) {
      socket.pause();
      setTimeout(() => socket.resume(), readAfterMs);
    }
    let received = "";
    let written = 0;
    let answered = false;
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end === -1 || answered) return;
      answered = true;
      const [statusLine, ...lines] = received.slice(0, end).split("\r\n");
      const replyHeaders: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        replyHeaders[line.slice(0, colon).trim().toLowerCase()] = line
          .slice(colon + 1)
          .trim();
      }
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers: replyHeaders,
        bodyBytesWritten: written,
      });
      socket.destroy();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (error.code === "EPIPE" || error.code === "ECONNRESET") {
        answered = true;
        resolve({ status: 0, headers: {}, bodyBytesWritten: written });
      } else reject(error);
    });
    socket.on("close", () => {
      if (!answered) reject(new Error(`no reply to ${target}: socket closed`));
    });

    const head = [
      `POST ${target} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ...(declared ? [] : ["Transfer-Encoding: chunked"]),
    ];
    socket.write(`${head.join("\r\n")}\r\n\r\n`);

    const writeAll = async () => {
      for (let offset = 0; offset < body.byteLength; offset += PIECE_BYTES) {
        if (answered || socket.destroyed) return;
        const piece = body.subarray(offset, offset + PIECE_BYTES);
        const framed = declared
          ? piece
          : Buffer.concat([
              Buffer.from(`${piece.byteLength.toString(16)}\r\n`),
              piece,
              Buffer.from("\r\n"),
            ]);
        written += piece.byteLength;
        if (!socket.write(framed)) {
          await new Promise((done) => {
            socket.once("drain", done);
            socket.once("close", done);
          });
        }
      }
      if (!declared && !answered && !socket.destroyed) {
        socket.write("0\r\n\r\n");
      }
    };
    writeAll().catch(reject);
  });
}

/** Signs an order delivery and returns its headers and raw bytes. */
async function signedOrder(
  domain: string,
  overrides: Record<string, unknown> = {},
  options: { raw?: string; secret?: string } = {},
) {
  const request = webhookRequest({
    topic: "orders/paid",
    shop: domain,
    body: restOrder(1, overrides),
    ...options,
  });
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { headers, body: Buffer.from(await request.arrayBuffer()) };
}

async function ordersOf(domain: string) {
  const shop = await prisma.shop.create({ data: { domain } });
  return () => prisma.order.count({ where: { shopId: shop.id } });
}

describe("request body limits over HTTP", () => {
  beforeAll(async () => {
    ({ server, port } = await startBuiltApp());
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it("rejects a chunked webhook over the cap early", async () => {
    const orders = await ordersOf("http-huge.myshopify.com");
    const sent = await signedOrder("http-huge.myshopify.com", {
      note: "x".repeat(3 * MAX_WEBHOOK_BYTES),
    });

    const reply = await rawPost(
      "/webhooks/orders/paid",
      sent.headers,
      sent.body,
    );
    expectStoppedEarly(reply, sent.body.byteLength);
    expect(await orders()).toBe(0);
  });

  it("delivers the 413 to a client still writing", async () => {
    const orders = await ordersOf("http-slow.myshopify.com");
    const sent = await signedOrder("http-slow.myshopify.com", {
      note: "x".repeat(3 * MAX_WEBHOOK_BYTES),
    });

    // Without a lingering close, the bytes still arriving after the reply
    // make the server's kernel reset the connection, and the reset drops
    // the unread 413 on the client's side.
    const reply = await rawPost(
      "/webhooks/orders/paid",
      sent.headers,
      sent.body,
      300,
    );
    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe("close");
    expect(await orders()).toBe(0);
  });

  it("accepts a signed chunked webhook under the cap", async () => {
    const domain = "http-ok.myshopify.com";
    const shop = await prisma.shop.create({ data: { domain } });
    const sent = await signedOrder(domain, { note: "y".repeat(300 * 1024) });

    const reply = await rawPost(
      "/webhooks/orders/paid",
      sent.headers,
      sent.body,
    );
    expect(reply.status).toBe(200);
    const row = await prisma.order.findUnique({
      where: {
        shopId_id: { shopId: shop.id, id: String(FIXTURE_ORDER_BASE + 1) },
      },
    });
    expect(row).not.toBeNull();
  });

  it("bounds a webhook longer than its Content-Length", async () => {
    const orders = await ordersOf("http-lie.myshopify.com");
    const sent = await signedOrder("http-lie.myshopify.com", {
      note: "x".repeat(3 * MAX_WEBHOOK_BYTES),
    });

    // Node reads only the declared 100 bytes as the body, so the signature
    // of the whole body cannot match them (401). The bytes after them do
    // not parse as a next request, so Node's parser may reply 400 first.
    const reply = await rawPost(
      "/webhooks/orders/paid",
      { ...sent.headers, "content-length": "100" },
      sent.body,
    );
    expect([400, 401]).toContain(reply.status);
    expect(reply.bodyBytesWritten).toBeLessThan(sent.body.byteLength);
    expect(await orders()).toBe(0);
  });

  it("answers a signed chunked non-JSON webhook with 400", async () => {
    const orders = await ordersOf("http-text.myshopify.com");
    const sent = await signedOrder(
      "http-text.myshopify.com",
      {},
      { raw: "{not json" },
    );

    const reply = await rawPost(
      "/webhooks/orders/paid",
      sent.headers,
      sent.body,
    );
    expect(reply.status).toBe(400);
    expect(await orders()).toBe(0);
  });

  it("answers a wrongly signed chunked webhook with 401", async () => {
    const orders = await ordersOf("http-forged.myshopify.com");
    const sent = await signedOrder(
      "http-forged.myshopify.com",
      {},
      { secret: "not-the-app-secret" },
    );

    const reply = await rawPost(
      "/webhooks/orders/paid",
      sent.headers,
      sent.body,
    );
    expect(reply.status).toBe(401);
    expect(await orders()).toBe(0);
  });

  it("rejects a chunked login form over the cap", async () => {
    const body = Buffer.from(`shop=${"a".repeat(8 * 1024 * 1024)}`);
    const reply = await rawPost(
      "/auth/login",
      { "Content-Type": "application/x-www-form-urlencoded" },
      body,
    );
    expectStoppedEarly(reply, body.byteLength);
  });

  it("rejects a chunked snapshot over the cap", async () => {
    const domain = "http-snapshot.myshopify.com";
    await prisma.shop.create({ data: { domain } });
    // A batch for a new page today claims that page's snapshot.
    const page = makePage({
      path: "/pages/large",
      startedAt: Date.now() - 1000,
    });
    const batch = makeBatch(domain, {
      sentAt: Date.now(),
      pages: [page],
      events: [makeClick(page, { at: Date.now() - 500 })],
    });
    const claimed = await handleBatch(
      postJson("https://storelens.test/collect", batch),
      { pool, logger: pino({ level: "silent" }) },
    );
    expect((await claimed.json()).snapshotPages).toEqual([page.id]);

    const slot = () =>
      prisma.pageSnapshot.findFirstOrThrow({ where: { pageViewId: page.id } });
    const before = await slot();

    const body = Buffer.alloc(3 * MAX_SNAPSHOT_UPLOAD_BYTES, " ");
    const reply = await rawPost(
      `/collect/snapshot?shop=${domain}&page=${page.id}`,
      { "Content-Type": "application/json" },
      body,
    );
    expectStoppedEarly(reply, body.byteLength);
    const after = await slot();
    expect(after.byteSize).toBe(before.byteSize);
    expect(Buffer.from(after.data).equals(Buffer.from(before.data))).toBe(true);
  });
  it("rejects a chunked batch over the cap", async () => {
    const domain = "http-collect.myshopify.com";
    const shop = await prisma.shop.create({ data: { domain } });
    const page = makePage();
    const batch = makeBatch(domain, {
      pages: [page],
      events: [makeClick(page, { selector: "x".repeat(64 * MAX_BATCH_BYTES) })],
    });
    const body = Buffer.from(JSON.stringify(batch));

    const reply = await rawPost(
      "/collect",
      { "Content-Type": "text/plain" },
      body,
    );
    expectStoppedEarly(reply, body.byteLength);
    expect(await prisma.ingestBatch.count({ where: { shopId: shop.id } })).toBe(
      0,
    );
  });

  it("rejects a chunked recording chunk over the cap", async () => {
    const domain = "http-recording.myshopify.com";
    const shop = await prisma.shop.create({ data: { domain } });
    await prisma.recordingSettings.create({
      data: { shopId: shop.id, sampleRate: 1 },
    });
    const page = makePage({ startedAt: Date.now() - 1000 });
    const batch = makeBatch(domain, {
      sentAt: Date.now(),
      pages: [page],
      events: [makeClick(page, { at: Date.now() - 500 })],
    });
    const stored = await handleBatch(
      postJson("https://storelens.test/collect", batch),
      { pool, logger: pino({ level: "silent" }) },
    );
    expect(stored.status).toBe(200);

    const body = Buffer.alloc(32 * MAX_RECORDING_CHUNK_BYTES, 7);
    const reply = await rawPost(
      `/collect/recording?shop=${domain}&session=${batch.sessionId}&page=${page.id}`,
      { "Content-Type": "text/plain", "Content-Encoding": "gzip" },
      body,
    );
    expectStoppedEarly(reply, body.byteLength);
    expect(
      await prisma.recordingChunk.count({ where: { shopId: shop.id } }),
    ).toBe(0);
  });
});
