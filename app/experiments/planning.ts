import { normalQuantile } from "./distributions";

// Sample size per arm for a two-sided test of treatment against control,
// with equal arms, from the normal approximation. Experiments need
// thousands of sessions per arm, where the t and normal results agree to
// within a session or two.

export interface PlanInput {
  /** Two-sided significance level, e.g. 0.05. */
  alpha: number;
  /** Probability of detecting the minimum effect, e.g. 0.8. */
  power: number;
  /** Minimum detectable effect relative to the baseline, e.g. 0.05 for +5%. */
  relativeEffect: number;
}

export interface Plan {
  sessionsPerArm: number;
  totalSessions: number;
  /** Whole days at the given traffic; null without traffic. */
  days: number | null;
}

function checkInput(input: PlanInput) {
  if (!(input.alpha > 0 && input.alpha < 1)) {
    throw new RangeError(`alpha must be between 0 and 1, got ${input.alpha}`);
  }
  if (!(input.power > 0 && input.power < 1)) {
    throw new RangeError(`power must be between 0 and 1, got ${input.power}`);
  }
  if (!(input.relativeEffect > 0)) {
    throw new RangeError(
      `the minimum detectable effect must be positive, got ${input.relativeEffect}`,
    );
  }
}

/**
 * Sessions per arm to detect a change of conversion rate from `baseline`
 * to `baseline * (1 + relativeEffect)`: the pooled variance under the null
 * and the unpooled one under the alternative, as R's `power.prop.test`.
 * Returns null when the target rate leaves (0, 1).
 */
export function conversionSampleSize(
  baseline: number,
  input: PlanInput,
): number | null {
  checkInput(input);
  const target = baseline * (1 + input.relativeEffect);
  if (!(baseline > 0) || !(target < 1)) return null;
  const zAlpha = normalQuantile(1 - input.alpha / 2);
  const zPower = normalQuantile(input.power);
  const mean = (baseline + target) / 2;
  const root =
    zAlpha * Math.sqrt(2 * mean * (1 - mean)) +
    zPower * Math.sqrt(baseline * (1 - baseline) + target * (1 - target));
  return Math.ceil((root * root) / (target - baseline) ** 2);
}

/**
 * Sessions per arm to detect a relative change of a mean metric such as
 * revenue per session, from its per-session variance. Revenue per session
 * is mostly zeros with rare large orders, so its variance, measured on the
 * page's own sessions, is many times its squared mean and drives the size;
 * assuming a conversion-like variance would plan far too short a test.
 * Returns null when the mean is not positive.
 */
export function meanSampleSize(
  mean: number,
  variance: number,
  input: PlanInput,
): number | null {
  checkInput(input);
  if (!(mean > 0) || !(variance > 0)) return null;
  const zAlpha = normalQuantile(1 - input.alpha / 2);
  const zPower = normalQuantile(input.power);
  const effect = mean * input.relativeEffect;
  return Math.ceil((2 * variance * (zAlpha + zPower) ** 2) / (effect * effect));
}

/** Total sessions and days for `arms` equal arms at `dailySessions`. */
export function planDuration(
  sessionsPerArm: number,
  arms: number,
  dailySessions: number,
): Plan {
  const totalSessions = sessionsPerArm * arms;
  return {
    sessionsPerArm,
    totalSessions,
    days: dailySessions > 0 ? Math.ceil(totalSessions / dailySessions) : null,
  };
}
