import { normalQuantile } from "./distributions";

// Sample sizes for a two-sided test of each treatment against the control,
// from the normal approximation, for any split of traffic between arms.
// With the allocation ratio k = treatment sessions / control sessions, the
// variance of the difference of means is sigma^2 (1 / n_c + 1 / (k n_c)).
// Experiments need thousands of sessions per arm, where the t and normal
// results agree to within a session or two.

export interface PlanInput {
  /** Two-sided significance level, e.g. 0.05. */
  alpha: number;
  /** Probability of detecting the minimum effect, e.g. 0.8. */
  power: number;
  /** Minimum detectable effect relative to the baseline, e.g. 0.05 for +5%. */
  relativeEffect: number;
}

export interface ArmPlan {
  key: string;
  weight: number;
  /** Share of the experiment's traffic, weight over the sum of weights. */
  share: number;
  /** Sessions this arm needs. */
  sessions: number;
}

export interface Plan {
  /** Per arm in the order of the design, the control first. */
  arms: ArmPlan[];
  totalSessions: number;
  /** Whole days at the given traffic; null without traffic. */
  days: number | null;
}

/**
 * Unrounded control sessions for one comparison at allocation ratio
 * `ratio` (treatment sessions per control session); null when no sample
 * can detect the effect.
 */
export type ControlSessions = (ratio: number) => number | null;

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
 * Control sessions to detect a change of conversion rate from `baseline`
 * to `baseline * (1 + relativeEffect)` with `ratio` treatment sessions per
 * control session. The variance under the null uses the pooled rate
 * (baseline + ratio * target) / (1 + ratio), the one under the alternative
 * the two rates apart. At ratio 1 this is R's `power.prop.test`.
 */
export function conversionControlSessions(
  baseline: number,
  input: PlanInput,
): ControlSessions {
  checkInput(input);
  const target = baseline * (1 + input.relativeEffect);
  const zAlpha = normalQuantile(1 - input.alpha / 2);
  const zPower = normalQuantile(input.power);
  return (ratio) => {
    if (!(baseline > 0) || !(target < 1)) return null;
    const pooled = (baseline + ratio * target) / (1 + ratio);
    const root =
      zAlpha * Math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio)) +
      zPower *
        Math.sqrt(baseline * (1 - baseline) + (target * (1 - target)) / ratio);
    return (root * root) / (target - baseline) ** 2;
  };
}

/**
 * Control sessions to detect a relative change of a mean metric such as
 * revenue per session, from its per-session variance, with `ratio`
 * treatment sessions per control session. Revenue per session is mostly
 * zeros with rare large orders, so its variance, measured on the page's own
 * sessions, is many times its squared mean and drives the size. A
 * conversion-like variance would plan far too short a test.
 */
export function meanControlSessions(
  mean: number,
  variance: number,
  input: PlanInput,
): ControlSessions {
  checkInput(input);
  const zAlpha = normalQuantile(1 - input.alpha / 2);
  const zPower = normalQuantile(input.power);
  const effect = mean * input.relativeEffect;
  return (ratio) => {
    if (!(mean > 0) || !(variance > 0)) return null;
    return (
      (variance * (1 + 1 / ratio) * (zAlpha + zPower) ** 2) / (effect * effect)
    );
  };
}

/**
 * Sessions per arm with equal arms to detect a change of conversion rate
 * from `baseline`. Returns null when the target rate leaves (0, 1).
 */
export function conversionSampleSize(
  baseline: number,
  input: PlanInput,
): number | null {
  const sessions = conversionControlSessions(baseline, input)(1);
  return sessions === null ? null : Math.ceil(sessions);
}

/**
 * Sessions per arm with equal arms to detect a relative change of a mean
 * metric. Returns null when the mean or the variance is not positive.
 */
export function meanSampleSize(
  mean: number,
  variance: number,
  input: PlanInput,
): number | null {
  const sessions = meanControlSessions(mean, variance, input)(1);
  return sessions === null ? null : Math.ceil(sessions);
}

/**
 * Plans every arm of a design whose traffic splits by `arms`' weights, the
 * control first. Each treatment is compared with the control at the ratio
 * of their weights. The split makes all arms grow together, so the control
 * gets the largest size any comparison needs and every other arm that size
 * times its ratio. Returns null when some comparison cannot be planned.
 */
export function planAllocation(
  controlSessions: ControlSessions,
  arms: readonly { key: string; weight: number }[],
  dailySessions: number,
): Plan | null {
  if (arms.length < 2) {
    throw new RangeError(`a plan needs at least 2 arms, got ${arms.length}`);
  }
  if (arms.some((arm) => !(arm.weight > 0 && Number.isFinite(arm.weight)))) {
    throw new RangeError("every arm's weight must be a positive number");
  }
  const controlWeight = arms[0].weight;
  let control = 0;
  for (const arm of arms.slice(1)) {
    const sessions = controlSessions(arm.weight / controlWeight);
    if (sessions === null) return null;
    control = Math.max(control, sessions);
  }
  const weightSum = arms.reduce((sum, arm) => sum + arm.weight, 0);
  const planned = arms.map((arm) => ({
    key: arm.key,
    weight: arm.weight,
    share: arm.weight / weightSum,
    sessions: Math.ceil((control * arm.weight) / controlWeight),
  }));
  const totalSessions = planned.reduce((sum, arm) => sum + arm.sessions, 0);
  return {
    arms: planned,
    totalSessions,
    days: dailySessions > 0 ? Math.ceil(totalSessions / dailySessions) : null,
  };
}
