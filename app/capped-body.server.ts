/** A request body that grew past `maxBytes` while it was read. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The request body exceeds ${maxBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * Reads a request body into memory, throwing BodyTooLargeError as soon as a
 * declared Content-Length or the bytes actually received pass `maxBytes`.
 * Bytes are counted as they arrive, so a chunked body or a Content-Length
 * smaller than the body is bounded too.
 *
 * The rest of an oversized body is left unread rather than cancelled. On
 * Node's HTTP server, cancelling the body stream destroys the socket, and
 * the client would never receive the 413. The caller replies with
 * `Connection: close` instead, so Node closes the socket after the reply.
 * The app server closes such a socket with a lingering close (see
 * scripts/lib/app-server.ts), so a client still sending gets the 413.
 */
export async function readCappedBody(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new BodyTooLargeError(maxBytes);
  }
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new BodyTooLargeError(maxBytes);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Reads the body with `readCappedBody` and returns a new Request with the
 * same method, URL and headers around the bytes read. Code that reads the
 * body itself, such as a library's signature check, then reads exactly
 * those bytes and cannot buffer more than `maxBytes`. A request without a
 * body is returned as it is.
 */
export async function withCappedBody(
  request: Request,
  maxBytes: number,
): Promise<Request> {
  if (!request.body) return request;
  const body = await readCappedBody(request, maxBytes);
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body,
    signal: request.signal,
  });
}
