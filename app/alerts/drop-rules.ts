import type { AlertPreferences } from "./alert-settings";
import { binomialLowerTail, poissonLowerTail } from "./stats";

/** Same weekdays looked back on for a baseline: the four weeks before. */
export const BASELINE_WEEKS = 4;
/** Weeks of the baseline that must have traffic for a verdict. */
export const MIN_BASELINE_WEEKS = 3;
/**
 * Minimum conversions (or orders) that the baseline rate predicts for the
 * day. Below it, even a day with none is too weak a signal to alert on.
 */
export const MIN_EXPECTED_COUNT = 10;
/** Significance level of the one-sided drop tests. */
export const DROP_ALPHA = 0.01;

/** A day's totals from the revenue rollup. */
export interface DayTotals {
  sessions: number;
  convertingSessions: number;
  orders: number;
  netRevenue: number;
}

export interface DropVerdict {
  kind: "rps-drop" | "conversion-drop";
  /** The day's value and the baseline's: RPS in shop money, or a rate. */
  value: number;
  baseline: number;
  /** Relative drop, 0 to 1. */
  drop: number;
  pValue: number;
  /** Estimated revenue lost that day, in shop money. */
  revenueAtStake: number;
  /** Conversions or orders the baseline predicts for the day. */
  expected: number;
  observed: number;
}

function sum(days: DayTotals[]): DayTotals {
  return days.reduce(
    (total, day) => ({
      sessions: total.sessions + day.sessions,
      convertingSessions: total.convertingSessions + day.convertingSessions,
      orders: total.orders + day.orders,
      netRevenue: total.netRevenue + day.netRevenue,
    }),
    { sessions: 0, convertingSessions: 0, orders: 0, netRevenue: 0 },
  );
}

const cents = (value: number) => Math.round(value * 100) / 100;

/**
 * Compares a day against the same weekday of earlier weeks. Conversion is
 * judged with an exact binomial test on converting sessions; RPS with an
 * exact Poisson test on orders (revenue itself is not a count, so the test
 * checks whether orders fell, and the RPS drop must pass the shop's
 * threshold too). Days with too few sessions or expected counts are not
 * judged, so small shops get no alert from noise.
 */
export function judgeDrops(
  day: DayTotals,
  weeks: DayTotals[],
  preferences: Pick<AlertPreferences, "dropMinPercent" | "dropMinSessions">,
): DropVerdict[] {
  const active = weeks.filter((week) => week.sessions > 0);
  if (active.length < MIN_BASELINE_WEEKS) return [];
  if (day.sessions < preferences.dropMinSessions) return [];
  const base = sum(active);
  const minDrop = preferences.dropMinPercent / 100;
  const verdicts: DropVerdict[] = [];
  const averageOrder = base.orders > 0 ? base.netRevenue / base.orders : 0;

  const baseConversion = base.convertingSessions / base.sessions;
  const conversion = day.convertingSessions / day.sessions;
  const expectedConversions = baseConversion * day.sessions;
  if (expectedConversions >= MIN_EXPECTED_COUNT) {
    const drop = 1 - conversion / baseConversion;
    const pValue = binomialLowerTail(
      day.convertingSessions,
      day.sessions,
      baseConversion,
    );
    if (drop >= minDrop && pValue < DROP_ALPHA) {
      verdicts.push({
        kind: "conversion-drop",
        value: conversion,
        baseline: baseConversion,
        drop,
        pValue,
        revenueAtStake: cents(
          (expectedConversions - day.convertingSessions) * averageOrder,
        ),
        expected: expectedConversions,
        observed: day.convertingSessions,
      });
    }
  }

  const baseRps = base.netRevenue / base.sessions;
  const rps = day.netRevenue / day.sessions;
  const expectedOrders = (base.orders / base.sessions) * day.sessions;
  if (expectedOrders >= MIN_EXPECTED_COUNT && baseRps > 0) {
    const drop = 1 - rps / baseRps;
    const pValue = poissonLowerTail(day.orders, expectedOrders);
    if (drop >= minDrop && pValue < DROP_ALPHA) {
      verdicts.push({
        kind: "rps-drop",
        value: rps,
        baseline: baseRps,
        drop,
        pValue,
        revenueAtStake: cents((baseRps - rps) * day.sessions),
        expected: expectedOrders,
        observed: day.orders,
      });
    }
  }
  return verdicts;
}

/** Average daily net revenue of the baseline weeks that had traffic. */
export function baselineDailyRevenue(weeks: DayTotals[]): number {
  const active = weeks.filter((week) => week.sessions > 0);
  return active.length === 0 ? 0 : sum(active).netRevenue / active.length;
}
