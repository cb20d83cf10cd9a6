import { normalQuantile, studentTQuantile } from "./distributions";

/** Count, mean and sample variance (n - 1 denominator) of a metric. */
export interface SampleSummary {
  n: number;
  mean: number;
  variance: number;
}

export interface Interval {
  lower: number;
  upper: number;
}

/** Summarises raw values with Welford's update, stable for large sums. */
export function summarize(values: readonly number[]): SampleSummary {
  let n = 0;
  let mean = 0;
  let squares = 0;
  for (const value of values) {
    n += 1;
    const delta = value - mean;
    mean += delta / n;
    squares += delta * (value - mean);
  }
  return { n, mean, variance: n > 1 ? squares / (n - 1) : 0 };
}

/**
 * Summarises a metric from its count, sum and sum of squares, as SQL
 * aggregates return them. Rounding can push a tiny variance below zero, so
 * it is clamped.
 */
export function summaryFromSums(
  n: number,
  sum: number,
  sumOfSquares: number,
): SampleSummary {
  if (n === 0) return { n: 0, mean: 0, variance: 0 };
  const mean = sum / n;
  const variance =
    n > 1 ? Math.max(0, (sumOfSquares - n * mean * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

/** Student t interval for a mean; null with fewer than two values. */
export function meanInterval(
  summary: SampleSummary,
  confidence = 0.95,
): Interval | null {
  if (summary.n < 2) return null;
  const t = studentTQuantile(1 - (1 - confidence) / 2, summary.n - 1);
  const half = t * Math.sqrt(summary.variance / summary.n);
  return { lower: summary.mean - half, upper: summary.mean + half };
}

/**
 * Wilson score interval for a proportion. Unlike the Wald interval it
 * stays inside [0, 1] and keeps its coverage at rates near 0, where
 * conversion rates live.
 */
export function wilsonInterval(
  successes: number,
  trials: number,
  confidence = 0.95,
): Interval | null {
  if (trials === 0) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half =
    (z / (1 + z2 / trials)) *
    Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return {
    lower: Math.max(0, centre - half),
    upper: Math.min(1, centre + half),
  };
}
