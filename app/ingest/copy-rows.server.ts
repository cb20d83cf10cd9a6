import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";

/**
 * Rows are joined into CopyData messages of about this size. A message per
 * row costs two socket writes per row, which on loopback took more CPU than
 * formatting the rows.
 */
const COPY_MESSAGE_BYTES = 256 * 1024;

/** A value of one column in COPY's text format; null is SQL NULL. */
export type CopyValue = string | number | boolean | Date | null;

const ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/** Formats one value for COPY's text format (PostgreSQL manual, COPY, "Text Format"). */
function copyText(value: CopyValue): string {
  if (value === null) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new Error(`cannot COPY the number ${value}`);
    return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  return value.replace(/[\\\t\n\r]/g, (character) => ESCAPES[character]);
}

/** Joins the rows' text lines into strings of about COPY_MESSAGE_BYTES. */
function* copyMessages(rows: CopyValue[][]): Generator<string> {
  let message = "";
  for (const row of rows) {
    let line = "";
    for (let column = 0; column < row.length; column += 1) {
      if (column > 0) line += "\t";
      line += copyText(row[column]);
    }
    message += `${line}\n`;
    if (message.length >= COPY_MESSAGE_BYTES) {
      yield message;
      message = "";
    }
  }
  if (message.length > 0) yield message;
}

/**
 * Loads rows into `table` with COPY FROM STDIN on the caller's connection,
 * inside its transaction. For the event rows of a group this took about
 * half the time of a multi-row INSERT of array parameters (see
 * docs/benchmarks.md). The rows are written in full or, if anything fails,
 * not at all.
 */
export async function copyRows(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  rows: CopyValue[][],
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((column) => `"${column}"`).join(", ");
  await pipeline(
    Readable.from(copyMessages(rows)),
    client.query(copyFrom(`COPY "${table}" (${names}) FROM STDIN`)),
  );
}
