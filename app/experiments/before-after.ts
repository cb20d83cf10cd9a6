import type { DateRange } from "~/analytics/date-range.server";

/** Maximum weeks compared on each side of a change. */
export const MAX_BEFORE_AFTER_WEEKS = 4;

export interface BeforeAfterWindows {
  before: DateRange;
  after: DateRange;
  weeks: number;
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * Equal windows of whole weeks on each side of the day a change went live,
 * so both hold the same weekdays: weekly rhythm (weekend shoppers, Monday
 * mail campaigns) then cannot pass for an effect. The after window starts on
 * the change day and ends yesterday at the latest, because today is not
 * over. Returns null until one full week has passed.
 */
export function beforeAfterWindows(
  changeDay: string,
  today: string,
): BeforeAfterWindows | null {
  const daysAfter =
    (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${changeDay}T00:00:00Z`)) /
    86_400_000;
  const weeks = Math.min(MAX_BEFORE_AFTER_WEEKS, Math.floor(daysAfter / 7));
  if (weeks < 1) return null;
  const length = weeks * 7;
  return {
    before: { from: addDays(changeDay, -length), to: addDays(changeDay, -1) },
    after: { from: changeDay, to: addDays(changeDay, length - 1) },
    weeks,
  };
}
