import { createServer } from "node:http";

/**
 * Starts a server that reads each POST body, parses it as JSON and responds
 * as the collect endpoint does for a new batch, storing nothing. Driven by
 * the ingest benchmark's client, it gives the rate that HTTP and the client
 * reach on this machine, a ceiling for the real endpoint.
 */
export async function startParseOnlyServer(): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let status = 200;
      try {
        JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        status = 400;
      }
      const body = JSON.stringify({
        ok: status === 200,
        duplicate: false,
        snapshotPages: [],
      });
      response.writeHead(status, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
      });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
