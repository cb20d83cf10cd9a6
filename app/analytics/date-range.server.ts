import { z } from "zod";
import { DEFAULT_RANGE_DAYS } from "./report-range";

const MAX_RANGE_DAYS = 366;
// Days outside this window are typing mistakes, and PostgreSQL rejects
// some of them outright (year 0).
const isoDay = z.iso
  .date()
  .refine((day) => day >= "2020-01-01" && day <= "2100-12-31");

export interface DateRange {
  /** First day, inclusive, YYYY-MM-DD in the shop's time zone. */
  from: string;
  /** Last day, inclusive. */
  to: string;
}

/** Day formatters by time zone: building one costs far more than using it. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Today's date in `timeZone`, as YYYY-MM-DD. */
export function localDay(date: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    // Time zones are a few hundred names; the bound only guards misuse.
    if (dayFormats.size >= 1000) dayFormats.clear();
    dayFormats.set(timeZone, format);
  }
  return format.format(date);
}

/** Adds whole days to a YYYY-MM-DD calendar day. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * Reads `from` and `to` (YYYY-MM-DD, shop time zone) from the query string;
 * missing or invalid values fall back to the last seven days, a reversed
 * range is swapped and an over-long one is clamped.
 */
export function parseDateRange(
  params: URLSearchParams,
  timeZone: string,
  now = new Date(),
): DateRange {
  const today = localDay(now, timeZone);
  const to = isoDay.safeParse(params.get("to")).data ?? today;
  const from =
    isoDay.safeParse(params.get("from")).data ??
    addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  // Dates picked the wrong way round are meant as the same span.
  if (from > to) return { from: to, to: from };
  if (from < addDays(to, -(MAX_RANGE_DAYS - 1))) {
    return { from: addDays(to, -(MAX_RANGE_DAYS - 1)), to };
  }
  return { from, to };
}

/**
 * SQL fragment bounds for a range: pass `[from, to, timeZone]` and compare
 * timestamps with `>= lower AND < upper`, so daylight-saving days keep their
 * real length.
 */
export const RANGE_BOUNDS_SQL = {
  lower: (from: string, zone: string) =>
    `((${from})::date::timestamp AT TIME ZONE ${zone})`,
  upper: (to: string, zone: string) =>
    `(((${to})::date + 1)::timestamp AT TIME ZONE ${zone})`,
};
