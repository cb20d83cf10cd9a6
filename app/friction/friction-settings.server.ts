import type pg from "pg";
import { z } from "zod";
import { withTransaction } from "~/transaction.server";
import {
  MAX_EXCLUDED_SELECTOR_LENGTH,
  MAX_EXCLUDED_SELECTORS,
} from "./excluded-selectors";

// The merchant's list of elements never reported as rage or dead clicks.

/**
 * Shortest text before a trailing `*`: a shorter prefix (or `*` alone)
 * would match nearly every element and remove every signal.
 */
const MIN_WILDCARD_PREFIX = 2;

const lineSchema = z
  .string()
  .max(
    MAX_EXCLUDED_SELECTOR_LENGTH,
    `must be at most ${MAX_EXCLUDED_SELECTOR_LENGTH} characters`,
  )
  .refine((line) => !line.includes("\u0000"), "must not contain NUL")
  .refine(
    (line) =>
      !line.endsWith("*") ||
      line.slice(0, -1).trim().length >= MIN_WILDCARD_PREFIX,
    "must name an element before the *, such as #product-gallery *",
  );

export type ParsedSelectors =
  { ok: true; selectors: string[] } | { ok: false; error: string };

/**
 * Parses the settings form's text area, one selector per line. Errors name
 * the line as the merchant counts it, blank lines included.
 */
export function parseExcludedSelectors(text: unknown): ParsedSelectors {
  if (typeof text !== "string") {
    return {
      ok: false,
      error: "Excluded selectors must be text, one per line.",
    };
  }
  const selectors: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line.length === 0) continue;
    const parsed = lineSchema.safeParse(line);
    if (!parsed.success) {
      const message = parsed.error.issues[0].message;
      return {
        ok: false,
        error: `Excluded selectors (line ${index + 1}) ${message}.`,
      };
    }
    if (!selectors.includes(line)) selectors.push(line);
  }
  if (selectors.length > MAX_EXCLUDED_SELECTORS) {
    return {
      ok: false,
      error: `Excluded selectors must list at most ${MAX_EXCLUDED_SELECTORS} selectors.`,
    };
  }
  return { ok: true, selectors };
}

export async function excludedSelectors(
  pool: pg.Pool,
  shopId: string,
): Promise<string[]> {
  const result = await pool.query<{ excludedSelectors: string[] }>(
    `SELECT "excludedSelectors" FROM "FrictionSettings" WHERE "shopId" = $1`,
    [shopId],
  );
  return result.rows[0]?.excludedSelectors ?? [];
}

function likePrefix(entry: string): string {
  return entry.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + "%";
}

/**
 * Saves the list and removes the rage and dead clicks already stored for
 * the excluded elements, so reports agree with the new list at once.
 * Returns the number of signals removed.
 */
export async function saveExcludedSelectors(
  pool: pg.Pool,
  shopId: string,
  selectors: string[],
): Promise<number> {
  return withTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO "FrictionSettings" ("shopId", "excludedSelectors", "updatedAt")
       VALUES ($1, $2, now())
       ON CONFLICT ("shopId") DO UPDATE SET
         "excludedSelectors" = EXCLUDED."excludedSelectors",
         "updatedAt" = now()`,
      [shopId, selectors],
    );
    if (selectors.length === 0) return 0;
    const exact = selectors.filter((entry) => !entry.endsWith("*"));
    const prefixes = selectors
      .filter((entry) => entry.endsWith("*"))
      .map(likePrefix);
    const removed = await client.query(
      `DELETE FROM "FrictionSignal"
       WHERE "shopId" = $1 AND kind IN ('rage-click', 'dead-click')
         AND (selector = ANY($2::text[]) OR selector LIKE ANY($3::text[]))`,
      [shopId, exact, prefixes],
    );
    return removed.rowCount ?? 0;
  });
}
