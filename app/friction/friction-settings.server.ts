import type pg from "pg";
import { z } from "zod";
import { withTransaction } from "~/transaction.server";
import {
  MAX_EXCLUDED_SELECTOR_LENGTH,
  MAX_EXCLUDED_SELECTORS,
} from "./excluded-selectors";

// The merchant's list of elements never reported as rage or dead clicks.

const excludedSelectorsSchema = z
  .string("must be text, one selector per line")
  .transform((text) =>
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .max(
            MAX_EXCLUDED_SELECTOR_LENGTH,
            `must be at most ${MAX_EXCLUDED_SELECTOR_LENGTH} characters`,
          )
          .refine((line) => !line.includes("\u0000"), "must not contain NUL"),
      )
      .max(
        MAX_EXCLUDED_SELECTORS,
        `must list at most ${MAX_EXCLUDED_SELECTORS} selectors`,
      ),
  );

export type ParsedSelectors =
  { ok: true; selectors: string[] } | { ok: false; error: string };

/** Parses the settings form's text area, one selector per line. */
export function parseExcludedSelectors(text: unknown): ParsedSelectors {
  const parsed = excludedSelectorsSchema.safeParse(text);
  if (parsed.success) return { ok: true, selectors: [...new Set(parsed.data)] };
  const issue = parsed.error.issues[0];
  const line = typeof issue.path[0] === "number" ? issue.path[0] + 1 : null;
  return {
    ok: false,
    error: `Excluded selectors ${line ? `(line ${line}) ` : ""}${issue.message}.`,
  };
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
