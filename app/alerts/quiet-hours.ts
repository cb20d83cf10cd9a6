import { addDays, localDay } from "~/analytics/date-range.server";
import { wallClockInstant } from "./wall-clock";

export { localMinute } from "./wall-clock";

/**
 * When quiet hours that contain `at` end, or null when `at` is outside
 * them. Quiet hours run from `start` (inclusive) to `end` (exclusive) in
 * minutes after midnight on the shop's wall clock, and span midnight when
 * start > end.
 *
 * On clock-change days each night's quiet hours run from the first time the
 * clock shows `start` to the last time it shows `end`, so every minute whose
 * local time lies between them is quiet. A start or end that the clock
 * skips takes effect when the clock jumps past it.
 */
export function quietHoursEnd(
  at: Date,
  timeZone: string,
  quiet: { start: number | null; end: number | null },
): Date | null {
  const { start, end } = quiet;
  if (start === null || end === null || start === end) return null;
  const today = localDay(at, timeZone);
  // Quiet hours that began yesterday may still run today. Those that begin
  // tomorrow start after `at`, so two nights cover every case.
  for (const day of [addDays(today, -1), today]) {
    const from = wallClockInstant(day, start, timeZone, "first");
    const endDay = start < end ? day : addDays(day, 1);
    const until = wallClockInstant(endDay, end, timeZone, "last");
    if (from <= at && at < until) return until;
  }
  return null;
}
