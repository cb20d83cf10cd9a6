import { BodyTooLargeError, readCappedBody } from "../capped-body.server";
import { IngestError } from "./errors.server";

/**
 * Reads a request body with `readCappedBody`, rejecting it with the ingest
 * 413 as soon as it exceeds `maxBytes`, so an oversized upload is never
 * buffered whole.
 */
export async function readBodyCapped(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array> {
  try {
    return await readCappedBody(request, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw tooLarge(maxBytes);
    throw error;
  }
}

/** Builds the 413 for a body over `maxBytes`. */
export function tooLarge(maxBytes: number): IngestError {
  return new IngestError(
    413,
    "payload_too_large",
    `The body exceeds ${maxBytes} bytes: send less data per request`,
    undefined,
    // The rest of the body stays unread, so the connection cannot be reused.
    { Connection: "close" },
  );
}

/** Decoding without `stream` keeps no state between calls, so one is shared. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses JSON text, rejecting anything that is not a JSON object. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
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

const NUL_ESCAPE = Buffer.from("\\u0000");

/**
 * Tells whether JSON text can contain a NUL character. JSON writes one
 * only as the escape `\u0000`, because a raw control character is invalid
 * in a string. A body without that escape needs no walk by `fieldWithNul`.
 */
export function mayHoldNul(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(
    NUL_ESCAPE,
  );
}

/**
 * Returns the dotted path of the first string that contains a NUL
 * character, or null. PostgreSQL text columns cannot store NUL, so such a
 * value is rejected up front instead of failing the insert. Iterative and
 * linear in the body's size, so deep nesting cannot exhaust the stack.
 */
export function fieldWithNul(value: unknown): string | null {
  interface Step {
    value: unknown;
    key: string;
    parent: Step | null;
  }
  const pending: Step[] = [{ value, key: "", parent: null }];
  while (pending.length > 0) {
    const step = pending.pop()!;
    if (typeof step.value === "string") {
      if (step.value.includes("\u0000")) return pathOf(step);
    } else if (step.value !== null && typeof step.value === "object") {
      for (const [key, child] of Object.entries(step.value)) {
        pending.push({ value: child, key, parent: step });
      }
    }
  }
  return null;

  function pathOf(step: Step): string {
    const keys: string[] = [];
    for (let at: Step | null = step; at?.parent; at = at.parent) {
      keys.push(at.key);
    }
    return keys.reverse().join(".");
  }
}
