import { studentTQuantile, studentTTwoSidedP } from "./distributions";
import type { Interval, SampleSummary } from "./summary";

export interface DifferenceTest {
  /** Treatment minus control, in the metric's unit. */
  difference: number;
  /** Difference relative to the control mean; null when that mean is 0. */
  relativeDifference: number | null;
  standardError: number;
  /** The test statistic: t for Welch, z for proportions. */
  statistic: number;
  pValue: number;
  /** Interval for the difference at the requested confidence. */
  interval: Interval;
}

export interface WelchTest extends DifferenceTest {
  /** Welch-Satterthwaite degrees of freedom. */
  degreesOfFreedom: number;
}

/**
 * Welch's unequal-variance t-test of treatment minus control. Revenue per
 * session is mostly zeros with a long tail of orders, and the arms' variances
 * differ, so the pooled-variance t-test does not fit; Welch's test needs
 * only the sample means to be roughly normal, which holds for the
 * thousands of sessions an experiment collects. Returns null when either arm
 * has fewer than two sessions or both have no spread.
 */
export function welchTest(
  control: SampleSummary,
  treatment: SampleSummary,
  confidence = 0.95,
): WelchTest | null {
  if (control.n < 2 || treatment.n < 2) return null;
  const controlTerm = control.variance / control.n;
  const treatmentTerm = treatment.variance / treatment.n;
  const varianceOfDifference = controlTerm + treatmentTerm;
  if (varianceOfDifference === 0) return null;

  const standardError = Math.sqrt(varianceOfDifference);
  const degreesOfFreedom =
    (varianceOfDifference * varianceOfDifference) /
    ((controlTerm * controlTerm) / (control.n - 1) +
      (treatmentTerm * treatmentTerm) / (treatment.n - 1));
  const difference = treatment.mean - control.mean;
  const statistic = difference / standardError;
  const half =
    studentTQuantile(1 - (1 - confidence) / 2, degreesOfFreedom) *
    standardError;
  return {
    difference,
    relativeDifference: control.mean !== 0 ? difference / control.mean : null,
    standardError,
    statistic,
    degreesOfFreedom,
    pValue: studentTTwoSidedP(statistic, degreesOfFreedom),
    interval: { lower: difference - half, upper: difference + half },
  };
}
