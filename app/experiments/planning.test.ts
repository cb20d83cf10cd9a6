import { describe, expect, it } from "vitest";
import {
  conversionControlSessions,
  conversionSampleSize,
  meanControlSessions,
  meanSampleSize,
  planAllocation,
} from "./planning";

// Expected sizes are computed here from the normal-approximation formulas,
// written in another arrangement than the planner's: with k treatment
// sessions per control session, a treatment arm of
//   mean:       n_t = sigma^2 (1 + k) (z_a + z_b)^2 / delta^2, n_c = n_t / k
//   conversion: n_c = (z_a sqrt((k + 1) p q) + z_b sqrt(k p1 q1 + p2 q2))^2
//                     / (k (p2 - p1)^2), p = (p1 + k p2) / (k + 1)
// The literal values beside them were checked by hand in Python with
// scipy.stats.norm.ppf (scipy 1.17.1).

/** norm.ppf(0.975) and norm.ppf(0.8) from scipy. */
const Z_ALPHA = 1.959963984540054;
const Z_POWER = 0.8416212335729143;

const input = { alpha: 0.05, power: 0.8, relativeEffect: 0.1 };
const RPS_MEAN = 1.8;
const RPS_VARIANCE = 260;
const BASELINE = 0.03;
const DAILY_SESSIONS = 9000;

function meanControl(k: number): number {
  const delta = RPS_MEAN * input.relativeEffect;
  const treatment =
    (RPS_VARIANCE * (1 + k) * (Z_ALPHA + Z_POWER) ** 2) / delta ** 2;
  return treatment / k;
}

function conversionControl(k: number): number {
  const p1 = BASELINE;
  const p2 = BASELINE * (1 + input.relativeEffect);
  const pooled = (p1 + k * p2) / (k + 1);
  const root =
    Z_ALPHA * Math.sqrt((k + 1) * pooled * (1 - pooled)) +
    Z_POWER * Math.sqrt(k * p1 * (1 - p1) + p2 * (1 - p2));
  return root ** 2 / (k * (p2 - p1) ** 2);
}

const rps = meanControlSessions(RPS_MEAN, RPS_VARIANCE, input);
const conversion = conversionControlSessions(BASELINE, input);

function arms(...weights: number[]) {
  return weights.map((weight, index) => ({
    key: index === 0 ? "control" : `v${index}`,
    weight,
  }));
}

describe("planAllocation", () => {
  it("keeps an equal split's sizes", () => {
    // The sizes the planner gave before it took a split into account.
    expect(meanSampleSize(RPS_MEAN, RPS_VARIANCE, input)).toBe(125970);
    expect(conversionSampleSize(BASELINE, input)).toBe(53211);

    const rpsPlan = planAllocation(rps, arms(50, 50), DAILY_SESSIONS)!;
    expect(rpsPlan.arms.map((arm) => arm.sessions)).toEqual([125970, 125970]);
    expect(rpsPlan.arms.map((arm) => arm.share)).toEqual([0.5, 0.5]);
    expect(rpsPlan.totalSessions).toBe(251940);
    expect(rpsPlan.days).toBe(28);

    const conversionPlan = planAllocation(
      conversion,
      arms(1, 1),
      DAILY_SESSIONS,
    )!;
    expect(conversionPlan.arms.map((arm) => arm.sessions)).toEqual([
      53211, 53211,
    ]);
    expect(conversionPlan.totalSessions).toBe(106422);
    expect(conversionPlan.days).toBe(12);
  });

  it("plans RPS for a 1:3 split", () => {
    // scipy: control 83979.78316587502, treatment 251939.34949762508.
    const control = meanControl(3);
    expect(Math.ceil(control)).toBe(83980);
    expect(Math.ceil(control * 3)).toBe(251940);

    const plan = planAllocation(rps, arms(25, 75), DAILY_SESSIONS)!;
    expect(plan.arms.map((arm) => arm.sessions)).toEqual([83980, 251940]);
    expect(plan.arms.map((arm) => arm.share)).toEqual([0.25, 0.75]);
    expect(plan.totalSessions).toBe(335920);
    expect(plan.days).toBe(Math.ceil(335920 / DAILY_SESSIONS));
  });

  it("plans the mirrored 3:1 split alike", () => {
    const plan = planAllocation(rps, arms(75, 25), DAILY_SESSIONS)!;
    expect(plan.arms.map((arm) => arm.sessions)).toEqual([251940, 83980]);
    expect(plan.totalSessions).toBe(335920);
  });

  it("plans conversion for a 1:3 split", () => {
    // scipy: control 35795.30429097603, treatment 107385.91287292811.
    const control = conversionControl(3);
    const plan = planAllocation(conversion, arms(1, 3), DAILY_SESSIONS)!;
    expect(plan.arms.map((arm) => arm.sessions)).toEqual([
      Math.ceil(control),
      Math.ceil(control * 3),
    ]);
    expect(plan.arms.map((arm) => arm.sessions)).toEqual([35796, 107386]);
    expect(plan.totalSessions).toBe(143182);
    expect(plan.days).toBe(16);
  });

  it("plans both metrics for a 1:9 split", () => {
    // scipy: RPS control 69983.15263822919, treatment 629848.3737440627;
    // conversion control 29986.778630620058, treatment 269881.0076755805.
    const rpsPlan = planAllocation(rps, arms(10, 90), DAILY_SESSIONS)!;
    expect(rpsPlan.arms.map((arm) => arm.sessions)).toEqual([
      Math.ceil(meanControl(9)),
      Math.ceil(meanControl(9) * 9),
    ]);
    expect(rpsPlan.arms.map((arm) => arm.sessions)).toEqual([69984, 629849]);
    expect(rpsPlan.totalSessions).toBe(699833);
    expect(rpsPlan.days).toBe(78);

    const conversionPlan = planAllocation(
      conversion,
      arms(10, 90),
      DAILY_SESSIONS,
    )!;
    expect(conversionPlan.arms.map((arm) => arm.sessions)).toEqual([
      Math.ceil(conversionControl(9)),
      Math.ceil(conversionControl(9) * 9),
    ]);
    expect(conversionPlan.arms.map((arm) => arm.sessions)).toEqual([
      29987, 269882,
    ]);
    expect(conversionPlan.totalSessions).toBe(299869);
    expect(conversionPlan.days).toBe(34);
  });

  it("needs more visits in all than an equal split", () => {
    const equal = planAllocation(rps, arms(1, 1), DAILY_SESSIONS)!;
    for (const weights of [
      [1, 3],
      [1, 9],
      [9, 1],
    ]) {
      const plan = planAllocation(rps, arms(...weights), DAILY_SESSIONS)!;
      expect(plan.totalSessions).toBeGreaterThan(equal.totalSessions);
    }
  });

  it("sizes three arms by the smallest treatment", () => {
    // Control 50, treatments 30 and 20: the 20 arm (k = 0.4) needs the
    // larger control, 220446.93081042194 by scipy; the 30 arm gets 0.6
    // of it and the 20 arm 0.4.
    const control = meanControl(0.4);
    expect(control).toBeGreaterThan(meanControl(0.6));
    const plan = planAllocation(rps, arms(50, 30, 20), DAILY_SESSIONS)!;
    expect(plan.arms.map((arm) => arm.sessions)).toEqual([
      Math.ceil(control),
      Math.ceil(control * 0.6),
      Math.ceil(control * 0.4),
    ]);
    expect(plan.arms.map((arm) => arm.sessions)).toEqual([
      220447, 132269, 88179,
    ]);
    expect(plan.totalSessions).toBe(440895);
  });

  it("gives no days without traffic", () => {
    const plan = planAllocation(rps, arms(1, 3), 0)!;
    expect(plan.totalSessions).toBe(335920);
    expect(plan.days).toBeNull();
  });

  it("returns null when no sample can detect the effect", () => {
    const tooHigh = conversionControlSessions(0.95, input);
    expect(planAllocation(tooHigh, arms(1, 3), DAILY_SESSIONS)).toBeNull();
    const noRevenue = meanControlSessions(0, 0, input);
    expect(planAllocation(noRevenue, arms(1, 1), DAILY_SESSIONS)).toBeNull();
  });

  it("rejects weights that are not positive", () => {
    for (const weights of [
      [0, 1],
      [-1, 3],
      [1, Number.NaN],
      [1, Infinity],
    ]) {
      expect(() =>
        planAllocation(rps, arms(...weights), DAILY_SESSIONS),
      ).toThrow(/weight must be a positive number/);
    }
    expect(() => planAllocation(rps, arms(100), DAILY_SESSIONS)).toThrow(
      /at least 2 arms, got 1/,
    );
  });
});
