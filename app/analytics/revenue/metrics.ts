import Decimal from "decimal.js";

/**
 * Sessions below this count make a rate too noisy to act on; the reports
 * show such rates marked as a small sample. With 30 sessions a 3%
 * conversion rate rests on about one order.
 */
export const SMALL_SAMPLE_SESSIONS = 30;

export interface RevenueCounts {
  sessions: number;
  /** Sessions with at least one counted order. */
  convertingSessions: number;
  orders: number;
  /** Net revenue in shop money, as a decimal string. */
  netRevenue: string;
}

export interface RevenueRates {
  /** Net revenue per session. */
  rps: number | null;
  conversionRate: number | null;
  /** Average order value: net revenue per counted order. */
  aov: number | null;
  smallSample: boolean;
}

/** Derives RPS, conversion rate and AOV; null where the denominator is 0. */
export function revenueRates(counts: RevenueCounts): RevenueRates {
  const revenue = Number(counts.netRevenue);
  return {
    rps: counts.sessions > 0 ? revenue / counts.sessions : null,
    conversionRate:
      counts.sessions > 0 ? counts.convertingSessions / counts.sessions : null,
    aov: counts.orders > 0 ? revenue / counts.orders : null,
    smallSample: counts.sessions < SMALL_SAMPLE_SESSIONS,
  };
}

/** Shop money as a string with two decimals, e.g. "0.00" or "80.00". */
export function money(value: string | number): string {
  return new Decimal(value).toFixed(2);
}
