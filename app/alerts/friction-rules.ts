import type { AlertPreferences } from "./alert-settings";
import { rateIncreasePValue } from "./stats";

/** Days before the alert's day that form a friction baseline. */
export const FRICTION_BASELINE_DAYS = 28;
/**
 * Days of traffic a shop needs before friction counts as new. On a fresh
 * install every element with friction would otherwise be "new" at once.
 */
export const MIN_HISTORY_DAYS = 7;
/**
 * Significance level of the spike test. Every element with friction is
 * tested on every run, so a strict level keeps false alarms rare.
 */
export const SPIKE_ALPHA = 0.001;

/** Friction on one element (page path and selector) on one shop-local day. */
export interface FrictionCandidate {
  path: string;
  selector: string;
  /** Device class with the most affected shoppers, for the heatmap link. */
  device: string;
  /** Sessions with a rage or dead click on the element that day. */
  sessions: number;
  rageSignals: number;
  deadSignals: number;
  clicks: number;
  /** Sessions with friction on the element over the baseline days. */
  baselineSessions: number;
  /** Sessions that viewed the page that day and over the baseline. */
  pageSessions: number;
  baselinePageSessions: number;
  /** Net revenue of the baseline's page sessions, in shop money. */
  baselinePageRevenue: number;
  /** Net revenue of the affected sessions, in shop money. */
  affectedRevenue: number;
}

export type FrictionVerdict =
  | { kind: "friction-new" }
  | { kind: "friction-spike"; ratio: number; pValue: number };

/**
 * Decides whether friction on an element is new (none in the baseline) or
 * a spike (its rate per page session significantly above the baseline's by
 * at least the shop's ratio), or neither. Both need the shop's minimum of
 * affected shoppers.
 */
export function judgeFriction(
  candidate: FrictionCandidate,
  preferences: Pick<
    AlertPreferences,
    "frictionMinSessions" | "frictionSpikeRatio"
  >,
  historyDays: number,
): FrictionVerdict | null {
  if (candidate.sessions < preferences.frictionMinSessions) return null;
  // Every affected session viewed the page, so fewer page sessions than
  // affected ones means the rollup is still rebuilding those days (another
  // worker holds them). A later run judges the element.
  if (
    candidate.pageSessions < candidate.sessions ||
    candidate.baselinePageSessions < candidate.baselineSessions
  ) {
    return null;
  }
  if (candidate.baselineSessions === 0) {
    return historyDays >= MIN_HISTORY_DAYS ? { kind: "friction-new" } : null;
  }
  const exposure = candidate.pageSessions;
  const ratio =
    candidate.sessions /
    exposure /
    (candidate.baselineSessions / candidate.baselinePageSessions);
  if (ratio < preferences.frictionSpikeRatio) return null;
  const pValue = rateIncreasePValue(
    { events: candidate.sessions, exposure },
    {
      events: candidate.baselineSessions,
      exposure: candidate.baselinePageSessions,
    },
  );
  return pValue < SPIKE_ALPHA
    ? { kind: "friction-spike", ratio, pValue }
    : null;
}

/**
 * Estimates the revenue lost to the friction: affected sessions times the
 * gap between the page's baseline RPS and the affected sessions' RPS,
 * floored at 0. Orders placed later in the day shrink it.
 */
export function frictionRevenueAtStake(candidate: FrictionCandidate): number {
  if (candidate.baselinePageSessions === 0) return 0;
  const pageRps =
    candidate.baselinePageRevenue / candidate.baselinePageSessions;
  const affectedRps = candidate.affectedRevenue / candidate.sessions;
  const atStake = (pageRps - affectedRps) * candidate.sessions;
  return Math.max(0, Math.round(atStake * 100) / 100);
}
