import { normalQuantile, normalTwoSidedP } from "./distributions";
import type { DifferenceTest } from "./welch";

export interface ProportionCounts {
  successes: number;
  trials: number;
}

/**
 * Two-proportion z-test of treatment minus control. The p-value uses the
 * pooled rate (the null hypothesis says the rates are equal), the interval
 * the unpooled standard error (it describes the difference actually seen).
 * Without continuity correction, z squared equals the chi-square of R's
 * `prop.test(..., correct = FALSE)`. Returns null when an arm is empty or
 * no arm varies.
 */
export function twoProportionTest(
  control: ProportionCounts,
  treatment: ProportionCounts,
  confidence = 0.95,
): DifferenceTest | null {
  if (control.trials === 0 || treatment.trials === 0) return null;
  const p1 = control.successes / control.trials;
  const p2 = treatment.successes / treatment.trials;
  const pooled =
    (control.successes + treatment.successes) /
    (control.trials + treatment.trials);
  const pooledError = Math.sqrt(
    pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials),
  );
  if (pooledError === 0) return null;

  const difference = p2 - p1;
  const statistic = difference / pooledError;
  const standardError = Math.sqrt(
    (p1 * (1 - p1)) / control.trials + (p2 * (1 - p2)) / treatment.trials,
  );
  const half = normalQuantile(1 - (1 - confidence) / 2) * standardError;
  return {
    difference,
    relativeDifference: p1 !== 0 ? difference / p1 : null,
    standardError,
    statistic,
    pValue: normalTwoSidedP(statistic),
    interval: { lower: difference - half, upper: difference + half },
  };
}
