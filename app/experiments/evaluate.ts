import { twoProportionTest } from "./proportions";
import {
  alwaysValidInterval,
  alwaysValidPValues,
  mixingVarianceFor,
  type SequentialLook,
} from "./sequential";
import { sampleRatioCheck, type SampleRatioCheck } from "./srm";
import {
  meanInterval,
  summaryFromSums,
  wilsonInterval,
  type Interval,
  type SampleSummary,
} from "./summary";
import { welchTest, type DifferenceTest, type WelchTest } from "./welch";

export type PrimaryMetric = "rps" | "conversion";

/** Sums of one arm for one day, as the exposure query returns them. */
export interface ArmDayRow {
  variant: string;
  /** Shop-local day, YYYY-MM-DD. */
  day: string;
  sessions: number;
  convertingSessions: number;
  orders: number;
  /** Net revenue of the day's sessions. */
  revenue: number;
  /** Sum over sessions of the squared net revenue per session. */
  revenueSquares: number;
  /** Sum over orders of the squared net order value. */
  orderValueSquares: number;
}

export interface ArmDesign {
  key: string;
  /** Share of traffic in any unit, e.g. 50 and 50. */
  weight: number;
}

export interface EvaluationInput {
  /** The first arm is the control. */
  arms: ArmDesign[];
  rows: ArmDayRow[];
  metric: PrimaryMetric;
  alpha: number;
  /** Relative effect the test is planned to detect; sets the mixture. */
  relativeEffect: number;
  /**
   * Planned sessions of the control arm, each other arm planned in
   * proportion to its weight; null when no plan was made.
   */
  plannedControlSessions: number | null;
}

export interface ArmResult {
  key: string;
  sessions: number;
  orders: number;
  convertingSessions: number;
  revenue: number;
  conversion: { value: number | null; interval: Interval | null };
  aov: { value: number | null; interval: Interval | null };
  rps: { value: number | null; interval: Interval | null };
}

export interface SequentialResult {
  /** Always-valid p-value after each day, for the primary metric. */
  history: { day: string; pValue: number }[];
  pValue: number;
  interval: Interval | null;
}

export interface Comparison {
  variant: string;
  rps: WelchTest | null;
  conversion: DifferenceTest | null;
  sequential: SequentialResult;
}

export type VerdictKind =
  | "blocked"
  | "collecting"
  | "treatment_better"
  | "treatment_worse"
  | "no_difference"
  | "running";

export interface Verdict {
  kind: VerdictKind;
  /** Arm the verdict is about, for a comparison verdict. */
  variant?: string;
}

export interface Evaluation {
  arms: ArmResult[];
  comparisons: Comparison[];
  srm: SampleRatioCheck | null;
  /** Level each comparison is tested at: alpha split over the comparisons. */
  comparisonAlpha: number;
  verdict: Verdict;
}

/** Sessions per arm below which no verdict is given. */
export const MIN_SESSIONS_PER_ARM = 100;

type ArmTotals = Omit<ArmDayRow, "variant" | "day">;

const ZERO: ArmTotals = {
  sessions: 0,
  convertingSessions: 0,
  orders: 0,
  revenue: 0,
  revenueSquares: 0,
  orderValueSquares: 0,
};

function add(a: ArmTotals, b: ArmTotals): ArmTotals {
  return {
    sessions: a.sessions + b.sessions,
    convertingSessions: a.convertingSessions + b.convertingSessions,
    orders: a.orders + b.orders,
    revenue: a.revenue + b.revenue,
    revenueSquares: a.revenueSquares + b.revenueSquares,
    orderValueSquares: a.orderValueSquares + b.orderValueSquares,
  };
}

function rpsSummary(totals: ArmTotals): SampleSummary {
  return summaryFromSums(
    totals.sessions,
    totals.revenue,
    totals.revenueSquares,
  );
}

function conversionSummary(totals: ArmTotals): SampleSummary {
  const n = totals.sessions;
  const p = n > 0 ? totals.convertingSessions / n : 0;
  return { n, mean: p, variance: n > 1 ? (p * (1 - p) * n) / (n - 1) : 0 };
}

function armResult(key: string, totals: ArmTotals): ArmResult {
  const rps = rpsSummary(totals);
  const orderValues = summaryFromSums(
    totals.orders,
    totals.revenue,
    totals.orderValueSquares,
  );
  return {
    key,
    sessions: totals.sessions,
    orders: totals.orders,
    convertingSessions: totals.convertingSessions,
    revenue: totals.revenue,
    conversion: {
      value:
        totals.sessions > 0
          ? totals.convertingSessions / totals.sessions
          : null,
      interval: wilsonInterval(totals.convertingSessions, totals.sessions),
    },
    aov: {
      value: totals.orders > 0 ? orderValues.mean : null,
      interval: meanInterval(orderValues),
    },
    rps: {
      value: totals.sessions > 0 ? rps.mean : null,
      interval: meanInterval(rps),
    },
  };
}

function lookOf(
  metric: PrimaryMetric,
  control: ArmTotals,
  treatment: ArmTotals,
): SequentialLook | null {
  const summaryOf = metric === "rps" ? rpsSummary : conversionSummary;
  const a = summaryOf(control);
  const b = summaryOf(treatment);
  if (a.n < 2 || b.n < 2) return null;
  return {
    difference: b.mean - a.mean,
    varianceOfDifference: a.variance / a.n + b.variance / b.n,
  };
}

/** Cumulative totals per arm at the end of each day. */
function cumulativeByDay(
  arms: ArmDesign[],
  rows: ArmDayRow[],
): { day: string; totals: ArmTotals[] }[] {
  const days = [...new Set(rows.map((row) => row.day))].sort();
  let running = arms.map(() => ZERO);
  return days.map((day) => {
    running = arms.map((arm, index) =>
      rows
        .filter((row) => row.day === day && row.variant === arm.key)
        .reduce<ArmTotals>(add, running[index]),
    );
    return { day, totals: running };
  });
}

/**
 * Evaluates an experiment: metrics with 95% intervals per arm, Welch and
 * two-proportion tests of each treatment against the control, the sample
 * ratio check, and a verdict. The verdict uses the always-valid p-value of
 * the primary metric, computed after every day so that looking daily costs
 * nothing.
 */
export function evaluateExperiment(input: EvaluationInput): Evaluation {
  const byDay = cumulativeByDay(input.arms, input.rows);
  const totals = byDay.at(-1)?.totals ?? input.arms.map(() => ZERO);
  const arms = input.arms.map((arm, index) =>
    armResult(arm.key, totals[index]),
  );
  const srm = sampleRatioCheck(
    totals.map((arm) => arm.sessions),
    input.arms.map((arm) => arm.weight),
  );
  const comparisonAlpha = input.alpha / Math.max(1, input.arms.length - 1);

  const comparisons = input.arms.slice(1).map((arm, offset) => {
    const index = offset + 1;
    const control = totals[0];
    const treatment = totals[index];
    const baseline =
      input.metric === "rps"
        ? rpsSummary(control).mean
        : conversionSummary(control).mean;
    const mixing = mixingVarianceFor(baseline * input.relativeEffect);
    const looks = byDay
      .map((entry) => ({
        day: entry.day,
        look: lookOf(input.metric, entry.totals[0], entry.totals[index]),
      }))
      .filter((entry) => entry.look !== null);
    const pValues = alwaysValidPValues(
      looks.map((entry) => entry.look as SequentialLook),
      mixing,
    );
    const last = looks.at(-1)?.look ?? null;
    return {
      variant: arm.key,
      rps: welchTest(rpsSummary(control), rpsSummary(treatment)),
      conversion: twoProportionTest(
        { successes: control.convertingSessions, trials: control.sessions },
        { successes: treatment.convertingSessions, trials: treatment.sessions },
      ),
      sequential: {
        history: looks.map((entry, i) => ({
          day: entry.day,
          pValue: pValues[i],
        })),
        pValue: pValues.at(-1) ?? 1,
        interval: last
          ? alwaysValidInterval(last, mixing, comparisonAlpha)
          : null,
      },
    };
  });

  return {
    arms,
    comparisons,
    srm,
    comparisonAlpha,
    verdict: verdictOf(input, arms, comparisons, srm, comparisonAlpha),
  };
}

function verdictOf(
  input: EvaluationInput,
  arms: ArmResult[],
  comparisons: Comparison[],
  srm: SampleRatioCheck | null,
  comparisonAlpha: number,
): Verdict {
  if (srm?.mismatch) return { kind: "blocked" };
  if (arms.some((arm) => arm.sessions < MIN_SESSIONS_PER_ARM)) {
    return { kind: "collecting" };
  }
  const significant = comparisons
    .filter((comparison) => comparison.sequential.pValue <= comparisonAlpha)
    .sort((a, b) => a.sequential.pValue - b.sequential.pValue);
  const better = significant.find(
    (comparison) => directionOf(input, comparison) > 0,
  );
  if (better) return { kind: "treatment_better", variant: better.variant };
  if (significant.length > 0) {
    return { kind: "treatment_worse", variant: significant[0].variant };
  }
  const planned = input.plannedControlSessions;
  const controlWeight = input.arms[0].weight;
  if (
    planned !== null &&
    arms.every(
      (arm, index) =>
        arm.sessions >= planned * (input.arms[index].weight / controlWeight),
    )
  ) {
    return { kind: "no_difference" };
  }
  return { kind: "running" };
}

function directionOf(input: EvaluationInput, comparison: Comparison): number {
  const test = input.metric === "rps" ? comparison.rps : comparison.conversion;
  return Math.sign(test?.difference ?? 0);
}
