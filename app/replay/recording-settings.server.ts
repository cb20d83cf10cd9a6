import type pg from "pg";
import type { RecordingDirective } from "~/ingest/payload-types";

/** Settings of a shop that never saved any. */
export const DEFAULT_RECORDING_SETTINGS: RecordingSettingsValues = {
  sampleRate: 0.05,
  frictionCapture: true,
  retentionDays: 30,
  maskSelectors: "",
};

export interface RecordingSettingsValues {
  /** Share of sessions recorded in full, 0 to 1. */
  sampleRate: number;
  /** Record the moments before a rage or dead click in other sessions. */
  frictionCapture: boolean;
  retentionDays: number;
  /** CSS selectors, one per line, of elements whose text is masked. */
  maskSelectors: string;
}

type Queryable = Pick<pg.Pool, "query">;

/** The settings that decide a visit's recording directive. */
export type SavedRecordingSettings = Pick<
  RecordingSettingsValues,
  "sampleRate" | "frictionCapture" | "maskSelectors"
>;

export async function loadRecordingSettings(
  db: Queryable,
  shopId: string,
): Promise<RecordingSettingsValues> {
  const result = await db.query<RecordingSettingsValues>(
    `SELECT "sampleRate", "frictionCapture", "retentionDays", "maskSelectors"
     FROM "RecordingSettings" WHERE "shopId" = $1`,
    [shopId],
  );
  return result.rows[0] ?? DEFAULT_RECORDING_SETTINGS;
}

export async function saveRecordingSettings(
  db: Queryable,
  shopId: string,
  values: RecordingSettingsValues,
): Promise<void> {
  await db.query(
    `INSERT INTO "RecordingSettings"
       ("shopId", "sampleRate", "frictionCapture", "retentionDays",
        "maskSelectors", "updatedAt")
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT ("shopId") DO UPDATE SET
       "sampleRate" = EXCLUDED."sampleRate",
       "frictionCapture" = EXCLUDED."frictionCapture",
       "retentionDays" = EXCLUDED."retentionDays",
       "maskSelectors" = EXCLUDED."maskSelectors",
       "updatedAt" = now()`,
    [
      shopId,
      values.sampleRate,
      values.frictionCapture,
      values.retentionDays,
      values.maskSelectors,
    ],
  );
}

/** Joins the merchant's selectors, one per line, into one selector list. */
export function maskSelectorOf(maskSelectors: string): string {
  return maskSelectors
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join(", ");
}

/**
 * Maps a session id to a number in [0, 1) from its first 8 hex digits.
 * Session ids are random UUIDs, so the numbers are uniform, and every page
 * view of a visit gets the same sampling decision.
 */
export function sessionSampleFraction(sessionId: string): number {
  const hex = sessionId.replace(/-/g, "").slice(0, 8);
  const value = Number.parseInt(hex, 16);
  return Number.isFinite(value) ? value / 2 ** 32 : 1;
}

/**
 * Decides how the storefront script records a visit: in full when the
 * sampling rate picks it or when a friction moment already started its
 * recording, else as a rolling buffer for friction when that is on.
 * `saved` is null for a shop that never saved settings.
 */
export function directiveOf(
  saved: SavedRecordingSettings | null,
  recorded: boolean,
  sessionId: string,
): RecordingDirective | undefined {
  const settings = saved ?? DEFAULT_RECORDING_SETTINGS;
  const maskSelector = maskSelectorOf(settings.maskSelectors);
  if (recorded || sessionSampleFraction(sessionId) < settings.sampleRate) {
    return { mode: "session", maskSelector };
  }
  if (settings.frictionCapture) return { mode: "friction", maskSelector };
  return undefined;
}
