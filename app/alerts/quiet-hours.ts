/** Minutes after midnight on the wall clock of `timeZone` at `at`. */
export function localMinute(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const value = (type: string) =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  return value("hour") * 60 + value("minute");
}

/**
 * When quiet hours that contain `at` end, or null when `at` is outside
 * them. Quiet hours run from `start` (inclusive) to `end` (exclusive) in
 * minutes after local midnight, and span midnight when start > end.
 */
export function quietHoursEnd(
  at: Date,
  timeZone: string,
  quiet: { start: number | null; end: number | null },
): Date | null {
  const { start, end } = quiet;
  if (start === null || end === null || start === end) return null;
  const minute = localMinute(at, timeZone);
  const inside =
    start < end
      ? minute >= start && minute < end
      : minute >= start || minute < end;
  if (!inside) return null;
  const wait = (end - minute + 24 * 60) % (24 * 60);
  // NOTE: counted on the wall clock, so a daylight-saving change inside
  // quiet hours moves the end by the shift (one hour, twice a year).
  const next = new Date(at.getTime() + wait * 60_000);
  next.setUTCSeconds(0, 0);
  return next;
}
