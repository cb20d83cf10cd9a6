// Checks over a raw socket that a connection replied to before its request
// body ended goes on reading and dropping that body until it closes, so
// the client's writes drain and the close is a FIN, not a reset.
import net from "node:net";
import type { AppServer } from "../../scripts/lib/app-server";
import { startBuiltApp } from "../support/built-app";

const PIECE_BYTES = 64 * 1024;
const MIB = 1024 * 1024;

let server: AppServer;
let port = 0;

interface Outcome {
  status: number;
  bytesWritten: number;
  /** Whether the server's FIN arrived. */
  ended: boolean;
  /** Code of the socket error (a reset), or null for an orderly close. */
  error: string | null;
}

/**
 * Declares a body the server rejects from its headers alone, then writes
 * `bodyBytes` of it while reading the reply, and reports how the socket
 * ended. The client keeps writing after the server's FIN, as HTTP clients
 * still sending a body do.
 */
function postOversized(target: string, bodyBytes: number) {
  return new Promise<Outcome>((resolve) => {
    const socket = net.connect({
      port,
      host: "127.0.0.1",
      allowHalfOpen: true,
    });
    let received = "";
    let written = 0;
    let ended = false;
    let socketError: string | null = null;
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("end", () => {
      ended = true;
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      socketError ??= error.code ?? error.message;
    });
    socket.on("close", () => {
      resolve({
        status: Number(received.split(" ")[1] ?? 0),
        bytesWritten: written,
        ended,
        error: socketError,
      });
    });
    socket.write(
      [
        `POST ${target} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        "Content-Type: application/json",
        `Content-Length: ${bodyBytes}`,
        "",
        "",
      ].join("\r\n"),
    );
    const piece = Buffer.alloc(PIECE_BYTES, 120);
    const writeAll = async () => {
      while (written < bodyBytes && !socket.destroyed) {
        written += piece.byteLength;
        if (!socket.write(piece)) {
          await new Promise((done) => {
            socket.once("drain", done);
            socket.once("close", done);
          });
        }
      }
      if (!socket.destroyed) socket.end();
    };
    void writeAll();
  });
}

describe("lingering close", () => {
  beforeAll(async () => {
    ({ server, port } = await startBuiltApp());
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it("drains a rejected webhook body", async () => {
    // More than the kernel's socket buffers hold, less than the 16 MiB bound.
    const outcome = await postOversized("/webhooks/orders/paid", 12 * MIB);
    expect(outcome.status).toBe(413);
    expect(outcome.bytesWritten).toBe(12 * MIB);
    expect(outcome.ended).toBe(true);
    expect(outcome.error).toBeNull();
  });

  it("stops draining past 16 MiB", async () => {
    const outcome = await postOversized("/webhooks/orders/paid", 256 * MIB);
    expect(outcome.status).toBe(413);
    expect(outcome.bytesWritten).toBeGreaterThan(16 * MIB);
    expect(outcome.bytesWritten).toBeLessThan(64 * MIB);
    expect(outcome.error).not.toBeNull();
  });
});
