import type { Interval } from "./summary";

// Mixture sequential probability ratio test (mSPRT) for a difference of
// means, after Johari, Pekelis and Walsh, "Always Valid Inference" (2017).
// With a normal mixing distribution N(0, tau^2) over the true difference,
// the likelihood ratio of the estimated difference d, whose variance is V,
// has the closed form
//
//   L = sqrt(V / (V + tau^2)) * exp(tau^2 d^2 / (2 V (V + tau^2))).
//
// Under the null L is a martingale, so by Ville's inequality the chance that
// it ever exceeds 1 / alpha is at most alpha, however often it is looked at.
// The always-valid p-value is the running minimum of 1 / L over the looks.
//
// NOTE: V is estimated from the data (plug-in variance), so the guarantee
// is asymptotic. With a few hundred sessions per arm it is close, and
// the A/A simulation in the tests measures it.

export interface SequentialLook {
  /** Treatment minus control at this look. */
  difference: number;
  /** Estimated variance of `difference` (sum of var/n over the arms). */
  varianceOfDifference: number;
}

/**
 * Likelihood ratio of one look; 1 when the variance is unknown (no
 * evidence either way).
 */
export function mixtureLikelihoodRatio(
  look: SequentialLook,
  mixingVariance: number,
): number {
  const v = look.varianceOfDifference;
  if (!(v > 0) || !(mixingVariance > 0)) return 1;
  const total = v + mixingVariance;
  const exponent =
    (mixingVariance * look.difference * look.difference) / (2 * v * total);
  return Math.sqrt(v / total) * Math.exp(exponent);
}

/** Always-valid p-value after each look: running minimum of 1 / L. */
export function alwaysValidPValues(
  looks: readonly SequentialLook[],
  mixingVariance: number,
): number[] {
  let p = 1;
  return looks.map((look) => {
    const ratio = mixtureLikelihoodRatio(look, mixingVariance);
    p = Math.min(p, 1 / ratio);
    return p;
  });
}

/**
 * Confidence sequence for the difference at one look: the differences the
 * test would not reject at level alpha. It covers the true difference at
 * every look at once with probability 1 - alpha, so it is wider than a
 * fixed-sample interval.
 */
export function alwaysValidInterval(
  look: SequentialLook,
  mixingVariance: number,
  alpha: number,
): Interval | null {
  const v = look.varianceOfDifference;
  if (!(v > 0) || !(mixingVariance > 0)) return null;
  const total = v + mixingVariance;
  const half = Math.sqrt(
    ((v * total) / mixingVariance) *
      (2 * Math.log(1 / alpha) + Math.log(total / v)),
  );
  return { lower: look.difference - half, upper: look.difference + half };
}

/**
 * Mixing variance for an experiment planned to detect `minimumEffect`
 * (absolute, in the metric's unit). The test has most power for effects
 * near tau, so tau is set to the effect the plan cares about.
 */
export function mixingVarianceFor(minimumEffect: number): number {
  return minimumEffect * minimumEffect;
}
