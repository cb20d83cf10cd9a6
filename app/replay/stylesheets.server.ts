import { createHash } from "node:crypto";
import { promisify } from "node:util";
import zlib from "node:zlib";
import type pg from "pg";
import type { RrwebEvent } from "./event-privacy";
import {
  CSS_REFERENCE,
  MIN_SHARED_CSS_LENGTH,
  cssReferenceOf,
  nodesOf,
} from "./stylesheet-nodes";

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export { CSS_REFERENCE, MIN_SHARED_CSS_LENGTH };

type Queryable = Pick<pg.Pool, "query">;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Moves long inlined stylesheets (`<link>` CSS that rrweb puts in
 * `_cssText`, and `<style>` text) out of the events, in place, leaving
 * their SHA-256 behind. Returns the CSS by hash.
 */
export function extractStylesheets(events: RrwebEvent[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const node of nodesOf(events)) {
    const linked = node.attributes?._cssText;
    if (typeof linked === "string" && linked.length >= MIN_SHARED_CSS_LENGTH) {
      const hash = sha256(linked);
      found.set(hash, linked);
      delete node.attributes!._cssText;
      node.attributes![CSS_REFERENCE] = hash;
    }
    const text = node.textContent;
    if (
      node.isStyle &&
      typeof text === "string" &&
      text.length >= MIN_SHARED_CSS_LENGTH
    ) {
      const hash = sha256(text);
      found.set(hash, text);
      node.textContent = "";
      node[CSS_REFERENCE] = hash;
    }
  }
  return found;
}

/** Returns the stylesheet hashes that a client put in the events. */
export function referencedStylesheets(events: RrwebEvent[]): Set<string> {
  const hashes = new Set<string>();
  for (const node of nodesOf(events)) {
    const hash = cssReferenceOf(node);
    if (hash !== undefined) hashes.add(hash);
  }
  return hashes;
}

/**
 * Marks the referenced stylesheets of a shop as used now and returns the
 * hashes that the shop has no stylesheet for.
 */
export async function touchStylesheets(
  db: Queryable,
  shopId: string,
  hashes: Set<string>,
): Promise<string[]> {
  if (hashes.size === 0) return [];
  const found = await db.query<{ hash: string }>(
    `UPDATE "RecordingStylesheet" SET "lastUsedAt" = now()
     WHERE "shopId" = $1 AND hash = ANY($2)
     RETURNING hash`,
    [shopId, [...hashes]],
  );
  const stored = new Set(found.rows.map((row) => row.hash));
  return [...hashes].filter((hash) => !stored.has(hash));
}

/** Stores new stylesheets and marks known ones as used now. */
export async function storeStylesheets(
  db: Queryable,
  shopId: string,
  stylesheets: Map<string, string>,
): Promise<void> {
  for (const [hash, css] of stylesheets) {
    const data = await gzip(css);
    await db.query(
      `INSERT INTO "RecordingStylesheet" ("shopId", hash, data, "byteSize")
       VALUES ($1, $2, $3, $4)
       ON CONFLICT ("shopId", hash) DO UPDATE SET "lastUsedAt" = now()`,
      [shopId, hash, data, data.byteLength],
    );
  }
}

/**
 * Puts stored stylesheets back into the events, in place. A reference whose
 * stylesheet is gone stays empty, and the player shows it as missing.
 */
export async function restoreStylesheets(
  db: Queryable,
  shopId: string,
  events: RrwebEvent[],
): Promise<void> {
  const nodes = [...nodesOf(events)].filter((node) => {
    const linked = node.attributes?.[CSS_REFERENCE];
    return (
      typeof linked === "string" || typeof node[CSS_REFERENCE] === "string"
    );
  });
  if (nodes.length === 0) return;
  const hashes = new Set<string>();
  for (const node of nodes) {
    hashes.add(String(node.attributes?.[CSS_REFERENCE] ?? node[CSS_REFERENCE]));
  }
  const rows = await db.query<{ hash: string; data: Buffer }>(
    `SELECT hash, data FROM "RecordingStylesheet"
     WHERE "shopId" = $1 AND hash = ANY($2)`,
    [shopId, [...hashes]],
  );
  const css = new Map<string, string>();
  for (const row of rows.rows) {
    css.set(row.hash, (await gunzip(row.data)).toString("utf8"));
  }
  for (const node of nodes) {
    const linked = node.attributes?.[CSS_REFERENCE];
    if (typeof linked === "string") {
      delete node.attributes![CSS_REFERENCE];
      const text = css.get(linked);
      if (text !== undefined) node.attributes!._cssText = text;
    } else {
      const hash = node[CSS_REFERENCE]!;
      delete node[CSS_REFERENCE];
      node.textContent = css.get(hash) ?? "";
    }
  }
}
