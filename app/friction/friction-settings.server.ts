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
  db: pg.Pool | pg.PoolClient,
  shopId: string,
): Promise<string[]> {
  const result = await db.query<{ excludedSelectors: string[] }>(
    `SELECT "excludedSelectors" FROM "FrictionSettings" WHERE "shopId" = $1`,
    [shopId],
  );
  return result.rows[0]?.excludedSelectors ?? [];
}

function likePrefix(entry: string): string {
  return entry.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + "%";
}

/** Columns of FrictionSignal and ExcludedFrictionSignal alike. */
const SIGNAL_COLUMNS = `"shopId", id, kind, "sessionId", "pageViewId", path,
  device, selector, x, y, "offsetX", "offsetY", fixed, clicks, detail,
  "occurredAt", "createdAt"`;

/** Kinds of signal that exclusions apply to. */
const EXCLUDABLE_KINDS = ["rage-click", "dead-click"];

/** Rage and dead clicks moved by a save of the list. */
export interface ExclusionChange {
  /** Signals on newly excluded elements, now kept out of reports. */
  hidden: number;
  /** Signals of elements taken off the list, shown again. */
  restored: number;
}

/**
 * Saves the list and moves the stored rage and dead clicks it now matches
 * into ExcludedFrictionSignal, and those it no longer matches back, so
 * every report agrees with the list at once. A row whose twin (same kind,
 * page view, time and selector) is already in the target table is dropped
 * as a duplicate.
 *
 * NOTE: this runs in the form's request and takes about 7 s per 110,000
 * signals moved back (docs/benchmarks.md). A job would suit larger lists.
 */
export async function saveExcludedSelectors(
  pool: pg.Pool,
  shopId: string,
  selectors: string[],
): Promise<ExclusionChange> {
  return withTransaction(pool, async (client) => {
    // Friction detection holds this lock while it stores signals, so none
    // is written by the old list after the move.
    await client.query(
      `INSERT INTO "FrictionCursor" ("shopId", "lastEventId", "updatedAt")
       VALUES ($1, 0, now()) ON CONFLICT ("shopId") DO NOTHING`,
      [shopId],
    );
    await client.query(
      `SELECT 1 FROM "FrictionCursor" WHERE "shopId" = $1 FOR UPDATE`,
      [shopId],
    );
    await client.query(
      `INSERT INTO "FrictionSettings" ("shopId", "excludedSelectors", "updatedAt")
       VALUES ($1, $2, now())
       ON CONFLICT ("shopId") DO UPDATE SET
         "excludedSelectors" = EXCLUDED."excludedSelectors",
         "updatedAt" = now()`,
      [shopId, selectors],
    );
    const exact = selectors.filter((entry) => !entry.endsWith("*"));
    const prefixes = selectors
      .filter((entry) => entry.endsWith("*"))
      .map(likePrefix);
    const matches = `(selector = ANY($2::text[]) OR selector LIKE ANY($3::text[]))`;
    // Rows go in in time order, so the inserts into the time-ordered
    // indexes stay close together. In the exclusions benchmark this halved
    // the time to move 110,000 signals back.
    const hidden = await client.query(
      `WITH moved AS (
         DELETE FROM "FrictionSignal"
         WHERE "shopId" = $1 AND kind = ANY($4::text[]) AND ${matches}
         RETURNING ${SIGNAL_COLUMNS}
       )
       INSERT INTO "ExcludedFrictionSignal" (${SIGNAL_COLUMNS})
       SELECT * FROM moved ORDER BY "occurredAt"
       ON CONFLICT DO NOTHING`,
      [shopId, exact, prefixes, EXCLUDABLE_KINDS],
    );
    const restored = await client.query(
      `WITH moved AS (
         DELETE FROM "ExcludedFrictionSignal"
         WHERE "shopId" = $1 AND NOT ${matches}
         RETURNING ${SIGNAL_COLUMNS}
       )
       INSERT INTO "FrictionSignal" (${SIGNAL_COLUMNS})
       SELECT * FROM moved ORDER BY "occurredAt"
       ON CONFLICT DO NOTHING`,
      [shopId, exact, prefixes],
    );
    return { hidden: hidden.rowCount ?? 0, restored: restored.rowCount ?? 0 };
  });
}
