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
  /** Net revenue per session, as a decimal string. */
  rps: string | null;
  conversionRate: number | null;
  /** Average order value: net revenue per counted order, as a decimal string. */
  aov: string | null;
  smallSample: boolean;
}

/** Decimals kept in a per-session or per-order rate, before display. */
const RATE_DECIMALS = 6;

function perUnit(revenue: Decimal, count: number): string | null {
  if (count <= 0) return null;
  return revenue.dividedBy(count).toDecimalPlaces(RATE_DECIMALS).toFixed();
}

/**
 * Derives RPS, conversion rate and AOV; null where the denominator is 0.
 * RPS and AOV are divided in decimal arithmetic, so the display rounds an
 * exact quotient, never a float.
 */
export function revenueRates(counts: RevenueCounts): RevenueRates {
  const revenue = new Decimal(counts.netRevenue);
  return {
    rps: perUnit(revenue, counts.sessions),
    conversionRate:
      counts.sessions > 0 ? counts.convertingSessions / counts.sessions : null,
    aov: perUnit(revenue, counts.orders),
    smallSample: counts.sessions < SMALL_SAMPLE_SESSIONS,
  };
}

/**
 * Shop money as an exact decimal string with at least two decimals, e.g.
 * "0.00", "80.00" or "12.345". Display code rounds it to the currency's
 * own digits.
 */
export function money(value: string | number): string {
  const amount = new Decimal(value);
  return amount.toFixed(Math.max(2, amount.decimalPlaces()));
}
