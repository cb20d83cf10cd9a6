import type { Hypothesis } from "@prisma/client";
import type pg from "pg";
import { localDay, type DateRange } from "~/analytics/date-range.server";
import { beforeAfterWindows } from "./before-after";
import { evaluateExperiment, type Evaluation } from "./evaluate";
import { experimentRows } from "./experiment-rows.server";
import { pageTraffic, type PageTraffic } from "./page-traffic.server";
import {
  conversionControlSessions,
  meanControlSessions,
  planAllocation,
  type Plan,
  type PlanInput,
} from "./planning";
import { twoProportionTest } from "./proportions";
import type { Arm } from "./hypothesis-schema";
import { welchTest, type DifferenceTest, type WelchTest } from "./welch";

/** Days of recent traffic the planning calculator reads. */
export const PLANNING_DAYS = 28;

/** Split planned for a hypothesis whose arms are not set yet. */
export const DEFAULT_ARMS: readonly Arm[] = [
  { key: "control", weight: 50 },
  { key: "treatment", weight: 50 },
];

export interface PlanningReport {
  input: PlanInput;
  range: DateRange;
  traffic: PageTraffic;
  /** Arms and weights the plan is for, the control first. */
  arms: Arm[];
  conversion: Plan | null;
  rps: Plan | null;
  /**
   * The same plans with the same number of arms split equally, to show
   * what the configured split costs; null when the split is equal.
   */
  equalSplit: { conversion: Plan | null; rps: Plan | null } | null;
}

export interface BeforeAfterReport {
  before: PageTraffic & { range: DateRange };
  after: PageTraffic & { range: DateRange };
  weeks: number;
  rps: WelchTest | null;
  conversion: DifferenceTest | null;
}

export interface ExperimentReport {
  arms: Arm[];
  evaluation: Evaluation | null;
  mixedSessions: number;
  unknownVariantSessions: number;
  planning: PlanningReport;
  beforeAfter: BeforeAfterReport | null;
  /** Whole days needed before a before/after comparison can start. */
  beforeAfterPending: boolean;
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Arms stored in the hypothesis's `variants` JSON; empty when malformed. */
export function armsOf(hypothesis: Pick<Hypothesis, "variants">): Arm[] {
  const value = hypothesis.variants;
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const arm = entry as { key?: unknown; weight?: unknown };
    return typeof arm.key === "string" && typeof arm.weight === "number"
      ? [{ key: arm.key, weight: arm.weight }]
      : [];
  });
}

/**
 * Sample size and days for both metrics, for the given arms and their
 * split, from the last PLANNING_DAYS days of visits to the hypothesis's
 * pages, ending yesterday. Fewer than two arms plan the default 50/50.
 */
export async function planningReport(
  pool: pg.Pool,
  shop: { id: string; timezone: string },
  pages: string[],
  input: PlanInput,
  designArms: readonly Arm[],
  now = new Date(),
): Promise<PlanningReport> {
  const yesterday = addDays(localDay(now, shop.timezone), -1);
  const range = {
    from: addDays(yesterday, -(PLANNING_DAYS - 1)),
    to: yesterday,
  };
  const traffic = await pageTraffic(
    pool,
    { shopId: shop.id, timezone: shop.timezone, range },
    pages,
  );
  const arms = [...(designArms.length >= 2 ? designArms : DEFAULT_ARMS)];
  const baseline =
    traffic.sessions > 0 ? traffic.convertingSessions / traffic.sessions : 0;
  // The evaluation tests each treatment against the control at alpha split
  // over the comparisons, so the plan sizes each comparison at that level.
  const comparisonInput = {
    ...input,
    alpha: input.alpha / (arms.length - 1),
  };
  const conversion = conversionControlSessions(baseline, comparisonInput);
  const rps = meanControlSessions(
    traffic.revenuePerSession.mean,
    traffic.revenuePerSession.variance,
    comparisonInput,
  );
  const plansFor = (split: readonly Arm[]) => ({
    conversion: planAllocation(conversion, split, traffic.dailySessions),
    rps: planAllocation(rps, split, traffic.dailySessions),
  });
  const equal = arms.every((arm) => arm.weight === arms[0].weight);
  return {
    input,
    range,
    traffic,
    arms,
    ...plansFor(arms),
    equalSplit: equal
      ? null
      : plansFor(arms.map((arm) => ({ key: arm.key, weight: 1 }))),
  };
}

async function beforeAfterReport(
  pool: pg.Pool,
  shop: { id: string; timezone: string },
  hypothesis: Hypothesis,
  now: Date,
): Promise<BeforeAfterReport | null> {
  if (!hypothesis.changedAt) return null;
  const changeDay = hypothesis.changedAt.toISOString().slice(0, 10);
  const windows = beforeAfterWindows(changeDay, localDay(now, shop.timezone));
  if (!windows) return null;
  const filter = (range: DateRange) => ({
    shopId: shop.id,
    timezone: shop.timezone,
    range,
  });
  const before = await pageTraffic(
    pool,
    filter(windows.before),
    hypothesis.pages,
  );
  const after = await pageTraffic(
    pool,
    filter(windows.after),
    hypothesis.pages,
  );
  return {
    before: { ...before, range: windows.before },
    after: { ...after, range: windows.after },
    weeks: windows.weeks,
    rps: welchTest(before.revenuePerSession, after.revenuePerSession),
    conversion: twoProportionTest(
      { successes: before.convertingSessions, trials: before.sessions },
      { successes: after.convertingSessions, trials: after.sessions },
    ),
  };
}

/** Everything the experiment page shows for one hypothesis of the shop. */
export async function experimentReport(
  pool: pg.Pool,
  shop: { id: string; timezone: string },
  hypothesis: Hypothesis,
  planInput: PlanInput,
  now = new Date(),
): Promise<ExperimentReport> {
  const arms = armsOf(hypothesis);
  let evaluation: Evaluation | null = null;
  let mixedSessions = 0;
  let unknownVariantSessions = 0;
  if (
    hypothesis.mode === "ab" &&
    hypothesis.experimentKey &&
    arms.length >= 2
  ) {
    const result = await experimentRows(
      pool,
      {
        shopId: shop.id,
        timezone: shop.timezone,
        experimentKey: hypothesis.experimentKey,
      },
      arms.map((arm) => arm.key),
    );
    mixedSessions = result.mixedSessions;
    unknownVariantSessions = result.unknownVariantSessions;
    evaluation = evaluateExperiment({
      arms,
      rows: result.rows,
      metric: hypothesis.metric === "conversion" ? "conversion" : "rps",
      alpha: hypothesis.alpha,
      relativeEffect: hypothesis.relativeEffect,
      plannedControlSessions: hypothesis.plannedSessionsPerArm,
    });
  }
  const beforeAfter =
    hypothesis.mode === "before_after"
      ? await beforeAfterReport(pool, shop, hypothesis, now)
      : null;
  return {
    arms,
    evaluation,
    mixedSessions,
    unknownVariantSessions,
    planning: await planningReport(
      pool,
      shop,
      hypothesis.pages,
      planInput,
      arms,
      now,
    ),
    beforeAfter,
    beforeAfterPending:
      hypothesis.mode === "before_after" &&
      hypothesis.changedAt !== null &&
      beforeAfter === null,
  };
}
