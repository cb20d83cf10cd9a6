import { PassThrough } from "node:stream";
import type { EntryContext } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { isDemoMode } from "./demo.server";
import { addDocumentResponseHeaders } from "./shopify.server";

export const streamTimeout = 5000;

// Exported through the server build so the process that serves it starts
// the background jobs in the same module graph as the routes: routes that
// queue jobs then reach the running queue.
export { startJobs } from "./jobs/boss.server";
// The ingest endpoint, served ahead of Remix by the same process.
export { createCollectHandler } from "./ingest/collect-node.server";

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  // Outside demo mode the admin must be framable by Shopify Admin only; the
  // library sets the frame-ancestors policy for the requesting shop.
  if (!isDemoMode()) addDocumentResponseHeaders(request, responseHeaders);
  const userAgent = request.headers.get("user-agent");
  const readyEvent = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} />,
      {
        [readyEvent]() {
          const body = new PassThrough();
          const stream = createReadableStreamFromReadable(body);
          responseHeaders.set("Content-Type", "text/html");
          resolve(
            new Response(stream, {
              headers: responseHeaders,
              status: responseStatusCode,
            }),
          );
          pipe(body);
        },
        onShellError(error) {
          reject(error);
        },
        onError(error) {
          responseStatusCode = 500;
          console.error(error);
        },
      },
    );
    setTimeout(abort, streamTimeout + 1000);
  });
}
