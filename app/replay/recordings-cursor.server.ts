import { z } from "zod";

// Keyset cursors of the recordings list. The list is ordered newest first
// by start time, then by session id, so a cursor is the start time and
// session id of a row. A page is the rows past its cursor, so recordings
// stored in the meantime never move a row to another page: most start
// later and land before the first page, and an earlier one takes its own
// place between rows.

/** A row of the list to page from. */
export interface RecordingCursor {
  startedAt: Date;
  sessionId: string;
}

/** Direction of a page request: rows older or newer than the cursor. */
export type PageDirection = "after" | "before";

export interface PageRequest {
  direction: PageDirection;
  cursor: RecordingCursor;
}

// PostgreSQL has no year zero, so a time in year 0000 would fail the query.
const cursorSchema = z.tuple([
  z
    .string()
    .datetime()
    .refine((time) => !time.startsWith("0000-")),
  z.string().uuid(),
]);

/** Encodes a row's key as a short URL-safe string. */
export function encodeRecordingCursor(row: RecordingCursor): string {
  const key = JSON.stringify([row.startedAt.toISOString(), row.sessionId]);
  return Buffer.from(key, "utf8").toString("base64url");
}

/** Thrown for a cursor that is not one the list wrote. */
export class InvalidCursorError extends Error {}

function decode(param: PageDirection, text: string): RecordingCursor {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    key = null;
  }
  const parsed = cursorSchema.safeParse(key);
  if (!parsed.success) {
    throw new InvalidCursorError(
      `Invalid page cursor in "${param}": open the recordings list from its first page.`,
    );
  }
  const [startedAt, sessionId] = parsed.data;
  return { startedAt: new Date(startedAt), sessionId };
}

/**
 * Reads the page request from `after` (older rows) or `before` (newer
 * rows). Returns null for the first page and throws InvalidCursorError
 * when a cursor is malformed or both are given.
 */
export function parsePageRequest(params: URLSearchParams): PageRequest | null {
  const after = params.get("after");
  const before = params.get("before");
  if (after !== null && before !== null) {
    throw new InvalidCursorError(
      'A page takes either "after" or "before", not both.',
    );
  }
  if (after !== null) {
    return { direction: "after", cursor: decode("after", after) };
  }
  if (before !== null) {
    return { direction: "before", cursor: decode("before", before) };
  }
  return null;
}
