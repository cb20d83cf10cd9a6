import http from "node:http";
import net from "node:net";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import { makeBatch } from "../../test/support/batches";
import { createCollectHandler } from "./collect-node.server";
import { Admission } from "./admission.server";
import { MAX_BATCH_BYTES } from "./payload-types";

// POST /collect on Node's own HTTP server, ahead of the framework: what it
// takes, what it leaves to the next handler, and bodies past the cap.

const SHOP = "node-collect.myshopify.com";
const ORIGIN = "https://node-collect.example";

let server: http.Server;
let port: number;

beforeAll(async () => {
  await prisma.shop.create({
    data: { domain: SHOP, storefrontOrigins: [ORIGIN] },
  });
  const collect = createCollectHandler({
    pool,
    logger: pino({ level: "silent" }),
    admission: new Admission({
      maxInFlight: 100,
      shopRate: 1000,
      shopBurst: 1000,
      ipRate: 1000,
      ipBurst: 1000,
    }),
  });
  server = http.createServer((request, response) => {
    if (collect(request, response)) return;
    response.writeHead(404, { "Content-Type": "text/plain" });
    response.end("passed on");
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function send(
  path: string,
  options: {
    method?: string;
    body?: string;
    headers?: Record<string, string>;
  } = {},
) {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method: options.method ?? "POST",
    headers: {
      "Content-Type": "text/plain",
      Origin: ORIGIN,
      ...options.headers,
    },
    body: options.body,
  });
}

describe("POST /collect on the Node server", () => {
  it("stores a batch with CORS", async () => {
    const batch = makeBatch(SHOP);
    const response = await send("/collect", { body: JSON.stringify(batch) });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(await response.json()).toMatchObject({ ok: true, duplicate: false });
    const again = await send("/collect?retry=1", {
      body: JSON.stringify(batch),
    });
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true });
    expect(
      await prisma.interactionEvent.count({
        where: { batchId: batch.batchId },
      }),
    ).toBe(2);
  });

  it("passes other requests on", async () => {
    for (const [method, path] of [
      ["POST", "/collectx"],
      ["POST", "/collect/snapshot"],
      ["GET", "/collect"],
      ["OPTIONS", "/collect"],
    ]) {
      const response = await send(path, {
        method,
        body: method === "POST" ? "{}" : undefined,
      });
      expect({ method, path, status: response.status }).toEqual({
        method,
        path,
        status: 404,
      });
      expect(await response.text()).toBe("passed on");
    }
  });

  it("names an invalid field", async () => {
    const response = await send("/collect", {
      body: JSON.stringify({ ...makeBatch(SHOP), sessionId: "nope" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: "invalid_field", field: "sessionId" },
    });
    const broken = await send("/collect", { body: "{not json" });
    expect(broken.status).toBe(400);
  });

  it("rejects a declared oversized body", async () => {
    const response = await send("/collect", {
      body: "x".repeat(MAX_BATCH_BYTES + 1),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("connection")).toBe("close");
  });

  it("rejects an oversized chunked body", async () => {
    // No Content-Length: the cap applies while the body streams in. The
    // client keeps sending after the reply; the server must respond anyway.
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk.toString("utf8");
        if (received.includes("\r\n\r\n")) {
          resolve(received);
          socket.destroy();
        }
      });
      socket.on("error", reject);
      socket.write(
        "POST /collect HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
          "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
      );
      const chunk = "y".repeat(64 * 1024);
      for (let sent = 0; sent <= MAX_BATCH_BYTES; sent += chunk.length) {
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      }
    });
    expect(reply.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    expect(reply.toLowerCase()).toContain("connection: close");
  });
});
