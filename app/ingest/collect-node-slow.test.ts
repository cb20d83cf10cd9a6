import { createServer, type Server } from "node:http";
import net from "node:net";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import { makeBatch } from "../../test/support/batches";
import { createCollectHandler } from "./collect-node.server";

// The raw Node handler of `POST /collect` against clients that send their
// body slowly or go away in the middle of it.

const SHOP = "slow-client.myshopify.com";
const BODY_TIMEOUT_MS = 400;

interface LogLine {
  level: number;
  msg: string;
  code?: string;
}

const logs: LogLine[] = [];
const logger = pino(
  { level: "info" },
  { write: (line: string) => logs.push(JSON.parse(line) as LogLine) },
);
let server: Server;
let port: number;

beforeAll(async () => {
  await prisma.shop.create({ data: { domain: SHOP } });
  const collect = createCollectHandler({
    pool,
    logger,
    bodyTimeoutMs: BODY_TIMEOUT_MS,
  });
  server = createServer((request, response) => {
    if (!collect(request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = address && typeof address === "object" ? address.port : 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Sends the request head and the first part of a body that never ends. */
function startBody(body: string): net.Socket {
  const socket = net.connect(port, "127.0.0.1");
  socket.write(
    `POST /collect HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n` +
      body.slice(0, body.length / 2),
  );
  return socket;
}

async function waitFor<T>(read: () => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i += 1) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out waiting for the server");
}

describe("a body that stops half way", () => {
  it("gets 408 and a closed connection", async () => {
    const socket = startBody(JSON.stringify(makeBatch(SHOP)));
    let reply = "";
    socket.on("data", (chunk) => (reply += chunk.toString()));
    const started = Date.now();
    await new Promise((resolve) => socket.on("close", resolve));

    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(reply).toContain('"code":"request_timeout"');
    expect(Date.now() - started).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(await prisma.ingestBatch.count()).toBe(0);
  });
});

describe("a client gone mid-body", () => {
  it("is logged as aborted, not as a database outage", async () => {
    logs.length = 0;
    const socket = startBody(JSON.stringify(makeBatch(SHOP)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();

    const rejected = await waitFor(() =>
      logs.find((line) => line.msg === "ingest batch rejected"),
    );
    expect(rejected.code).toBe("request_aborted");
    expect(logs.filter((line) => line.level >= 40)).toEqual([]);
    expect(await prisma.ingestBatch.count()).toBe(0);
  });
});
