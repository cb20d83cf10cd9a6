import { chiSquareUpperTail } from "./distributions";

/**
 * p-value below which a sample ratio mismatch blocks a verdict. A real
 * mismatch (a redirect that drops one arm, bots in one arm, a broken
 * assignment cookie) biases every metric, so the check must fire on it; at
 * 0.001 a healthy experiment that is checked every day for a month raises a
 * false alarm with a probability of at most 3% (30 looks times 0.001).
 */
export const SRM_P_THRESHOLD = 0.001;

export interface SampleRatioCheck {
  chiSquare: number;
  /** Arms minus one. */
  degreesOfFreedom: number;
  pValue: number;
  /** Sessions each arm should have under the designed split. */
  expected: number[];
  mismatch: boolean;
}

/**
 * Pearson chi-square goodness-of-fit test of the observed sessions per arm
 * against the designed split (weights in any unit, e.g. 50/50 or 95/5).
 * Returns null with fewer than two arms or no sessions.
 */
export function sampleRatioCheck(
  observed: readonly number[],
  weights: readonly number[],
  threshold = SRM_P_THRESHOLD,
): SampleRatioCheck | null {
  if (observed.length !== weights.length) {
    throw new RangeError(
      `sampleRatioCheck: ${observed.length} observed counts but ${weights.length} weights`,
    );
  }
  if (weights.some((weight) => !(weight > 0))) {
    throw new RangeError("sampleRatioCheck: every weight must be positive");
  }
  const total = observed.reduce((sum, count) => sum + count, 0);
  if (observed.length < 2 || total === 0) return null;

  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  const expected = weights.map((weight) => (total * weight) / weightSum);
  const chiSquare = observed.reduce(
    (sum, count, arm) => sum + (count - expected[arm]) ** 2 / expected[arm],
    0,
  );
  const degreesOfFreedom = observed.length - 1;
  const pValue = chiSquareUpperTail(chiSquare, degreesOfFreedom);
  return {
    chiSquare,
    degreesOfFreedom,
    pValue,
    expected,
    mismatch: pValue < threshold,
  };
}
