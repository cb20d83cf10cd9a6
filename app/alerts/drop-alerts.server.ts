import type pg from "pg";
import type { AlertPreferences } from "./alert-settings";
import { dropAlert, type NewAlert } from "./alert-content";
import { addDays } from "./days";
import {
  BASELINE_WEEKS,
  baselineDailyRevenue,
  judgeDrops,
  type DayTotals,
} from "./drop-rules";

const EMPTY_DAY: DayTotals = {
  sessions: 0,
  convertingSessions: 0,
  orders: 0,
  netRevenue: 0,
};

/**
 * Totals of a day and of the same weekday in each of the four weeks
 * before, from the revenue rollup. The device dimension counts every
 * session once.
 */
export async function weekdayTotals(
  pool: pg.Pool,
  shopId: string,
  day: string,
): Promise<{ day: DayTotals; weeks: DayTotals[] }> {
  const weekDays = Array.from({ length: BASELINE_WEEKS }, (_, index) =>
    addDays(day, -7 * (index + 1)),
  );
  const result = await pool.query<{
    day: string;
    sessions: number;
    convertingSessions: number;
    orders: number;
    netRevenue: string;
  }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(sessions)::int AS sessions,
            sum("convertingSessions")::int AS "convertingSessions",
            sum(orders)::int AS orders, sum("netRevenue")::text AS "netRevenue"
     FROM "DailyRevenueStat"
     WHERE "shopId" = $1 AND dimension = 'device' AND day = ANY($2::date[])
     GROUP BY day`,
    [shopId, [day, ...weekDays]],
  );
  const byDay = new Map(
    result.rows.map((row) => [
      row.day,
      {
        sessions: row.sessions,
        convertingSessions: row.convertingSessions,
        orders: row.orders,
        netRevenue: Number(row.netRevenue),
      },
    ]),
  );
  return {
    day: byDay.get(day) ?? EMPTY_DAY,
    weeks: weekDays.map((weekDay) => byDay.get(weekDay) ?? EMPTY_DAY),
  };
}

/** RPS and conversion drop alerts of one completed shop-local day. */
export async function dropAlerts(
  pool: pg.Pool,
  shop: { id: string; currency: string },
  day: string,
  preferences: AlertPreferences,
): Promise<NewAlert[]> {
  const totals = await weekdayTotals(pool, shop.id, day);
  const dailyRevenue = baselineDailyRevenue(totals.weeks);
  return judgeDrops(totals.day, totals.weeks, preferences).map((verdict) =>
    dropAlert(verdict, { day, currency: shop.currency, dailyRevenue }),
  );
}
