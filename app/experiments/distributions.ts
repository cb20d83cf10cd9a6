import chiSquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import normalCdfAt from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantileAt from "@stdlib/stats-base-dists-normal-quantile";
import studentTCdfAt from "@stdlib/stats-base-dists-t-cdf";
import studentTQuantileAt from "@stdlib/stats-base-dists-t-quantile";

// The distributions the tests need, from stdlib's numerically careful
// implementations. Degrees of freedom may be fractional (Welch).

/** P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return normalCdfAt(z, 0, 1);
}

/** The z with P(Z <= z) = p for a standard normal Z. */
export function normalQuantile(p: number): number {
  return normalQuantileAt(p, 0, 1);
}

/** Two-sided p-value of a standard normal statistic. */
export function normalTwoSidedP(z: number): number {
  return 2 * normalCdf(-Math.abs(z));
}

export function studentTCdf(t: number, df: number): number {
  return studentTCdfAt(t, df);
}

export function studentTQuantile(p: number, df: number): number {
  return studentTQuantileAt(p, df);
}

/** Two-sided p-value of a Student t statistic. */
export function studentTTwoSidedP(t: number, df: number): number {
  return 2 * studentTCdf(-Math.abs(t), df);
}

/** Upper tail P(X >= x) of a chi-square variable with `df` degrees. */
export function chiSquareUpperTail(x: number, df: number): number {
  return Math.max(0, 1 - chiSquareCdf(x, df));
}
