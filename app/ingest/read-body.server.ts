import { IngestError } from "./errors.server";

/**
 * Reads a request body, rejecting it with 413 as soon as it exceeds
 * `maxBytes`, so an oversized upload is never buffered whole.
 */
export async function readBodyCapped(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw tooLarge(maxBytes);
  }
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function tooLarge(maxBytes: number): IngestError {
  return new IngestError(
    413,
    "payload_too_large",
    `The body exceeds ${maxBytes} bytes: send fewer events per batch`,
  );
}

/** Parses JSON text, rejecting anything that is not a JSON object. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new IngestError(
      400,
      "invalid_json",
      "The body is not valid UTF-8 JSON: send the batch as a JSON object",
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new IngestError(
      400,
      "invalid_json",
      "The body must be a JSON object, not an array or a scalar",
    );
  }
  return value as Record<string, unknown>;
}
