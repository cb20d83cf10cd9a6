const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Offset formatters by time zone, because building one costs far more than
 * using it.
 */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function offsetFormat(timeZone: string): Intl.DateTimeFormat {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    // Time zones are a few hundred names; the bound only guards misuse.
    if (offsetFormats.size >= 1000) offsetFormats.clear();
    offsetFormats.set(timeZone, format);
  }
  return format;
}

/** Milliseconds the wall clock of `timeZone` is ahead of UTC at `at`. */
export function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = offsetFormat(timeZone).formatToParts(new Date(at));
  const value = (type: string) =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wall = Date.UTC(
    value("year"),
    value("month") - 1,
    value("day"),
    value("hour"),
    value("minute"),
    value("second"),
  );
  return wall - Math.floor(at / 1000) * 1000;
}

/** Minutes after midnight on the wall clock of `timeZone` at `at`. */
export function localMinute(at: Date, timeZone: string): number {
  const wall = at.getTime() + zoneOffsetMs(at.getTime(), timeZone);
  return Math.floor((((wall % DAY) + DAY) % DAY) / MINUTE);
}

/** Occurrence chosen for a wall-clock time that the clock shows twice. */
export type RepeatedTime = "first" | "last";

/**
 * Converts a wall-clock time (`minute` after midnight on `day`, YYYY-MM-DD)
 * in `timeZone` to an instant. On the day clocks go back, a time in the
 * repeated hour occurs twice and `repeated` picks one. On the day clocks go
 * forward, a time in the skipped hour never occurs, and the result is the
 * instant the clock jumps past it (02:30 in New York on 8 March 2026 gives
 * 03:00 EDT, 07:00 UTC).
 */
export function wallClockInstant(
  day: string,
  minute: number,
  timeZone: string,
  repeated: RepeatedTime,
): Date {
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(dayStart)) {
    throw new RangeError(`Invalid day "${day}": expected YYYY-MM-DD.`);
  }
  const wall = dayStart + minute * MINUTE;
  // The offsets a day either side are those before and after a change near
  // this time. This assumes at most one clock change within a day of it.
  const before = zoneOffsetMs(wall - DAY, timeZone);
  const after = zoneOffsetMs(wall + DAY, timeZone);
  const matches = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((at) => zoneOffsetMs(at, timeZone) === wall - at)
    .sort((a, b) => a - b);
  if (matches.length > 0) {
    const at = repeated === "first" ? matches[0] : matches[matches.length - 1];
    return new Date(at);
  }
  return new Date(clockJump(wall - after, wall - before, timeZone));
}

/**
 * Finds, to the minute, the first instant in (`low`, `high`] whose offset
 * differs from the offset at `low`: the moment the clocks change.
 */
function clockJump(low: number, high: number, timeZone: string): number {
  const lowOffset = zoneOffsetMs(low, timeZone);
  while (high - low > MINUTE) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
    if (zoneOffsetMs(middle, timeZone) === lowOffset) low = middle;
    else high = middle;
  }
  return high;
}
