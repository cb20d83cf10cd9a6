import { describe, expect, it } from "vitest";
import { chiSquareUpperTail, studentTQuantile } from "./distributions";
import { conversionSampleSize, meanSampleSize } from "./planning";
import { twoProportionTest } from "./proportions";
import {
  alwaysValidInterval,
  alwaysValidPValues,
  mixtureLikelihoodRatio,
} from "./sequential";
import { sampleRatioCheck } from "./srm";
import {
  meanInterval,
  summarize,
  summaryFromSums,
  wilsonInterval,
} from "./summary";
import { welchTest } from "./welch";

// Reference values come from SciPy 1.17.1 (python3 -c "import scipy") unless
// a test names another source. Each test shows the call that produced them.

describe("sampleRatioCheck", () => {
  it("flags 9,463 vs 7,681 on a 50/50 design", () => {
    // stats.chisquare([9463, 7681], [8572, 8572])
    // -> statistic 185.22655156322912, pvalue 3.502192273048579e-42
    const check = sampleRatioCheck([9463, 7681], [50, 50]);
    expect(check?.chiSquare).toBeCloseTo(185.22655156322912, 9);
    expect(check?.degreesOfFreedom).toBe(1);
    expect(check?.pValue).toBeLessThan(1e-15);
    expect(check?.mismatch).toBe(true);
  });

  it("passes 95,120 vs 4,880 on a 95/5 design", () => {
    // stats.chisquare([95120, 4880], [95000, 5000])
    // -> statistic 3.031578947368421, pvalue 0.08165851558521543
    const check = sampleRatioCheck([95120, 4880], [95, 5]);
    expect(check?.chiSquare).toBeCloseTo(3.031578947368421, 9);
    expect(check?.pValue).toBeCloseTo(0.08165851558521543, 6);
    expect(check?.expected).toEqual([95000, 5000]);
    expect(check?.mismatch).toBe(false);
  });

  it("uses k - 1 degrees of freedom for three arms", () => {
    // stats.chisquare([3400, 3300, 3150], f_exp=[3283.333333333333] * 3)
    // -> statistic 9.644670050761423, pvalue 0.008047972960729472
    const check = sampleRatioCheck([3400, 3300, 3150], [1, 1, 1]);
    expect(check?.degreesOfFreedom).toBe(2);
    expect(check?.chiSquare).toBeCloseTo(9.644670050761423, 9);
    expect(check?.pValue).toBeCloseTo(0.008047972960729472, 8);
    expect(check?.mismatch).toBe(false);
  });

  it("returns null without sessions", () => {
    expect(sampleRatioCheck([0, 0], [1, 1])).toBeNull();
  });

  it("rejects weights that do not match the arms", () => {
    expect(() => sampleRatioCheck([10, 10], [1])).toThrow(/2 observed/);
    expect(() => sampleRatioCheck([10, 10], [1, 0])).toThrow(/positive/);
  });
});

describe("welchTest", () => {
  // Per-session revenue: mostly zeros, a few orders.
  const control = [0, 0, 0, 0, 42.5, 0, 0, 120, 0, 0, 0, 35, 0, 0, 0, 0, 80, 0];
  control.push(0, 0);
  const treatment = [0, 55, 0, 0, 0, 0, 210, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0];
  treatment.push(0, 99, 0, 0, 0, 45, 0);

  it("matches scipy's ttest_ind with equal_var=False", () => {
    // r = stats.ttest_ind(treatment, control, equal_var=False)
    // -> statistic 0.47643383503965486, pvalue 0.6363372296934467,
    //    df 40.319117236007294; r.confidence_interval(0.95)
    // -> (-18.906094382800358, 30.572761049467022)
    const result = welchTest(summarize(control), summarize(treatment));
    expect(result?.statistic).toBeCloseTo(0.47643383503965486, 10);
    expect(result?.degreesOfFreedom).toBeCloseTo(40.319117236007294, 8);
    expect(result?.pValue).toBeCloseTo(0.6363372296934467, 8);
    expect(result?.interval.lower).toBeCloseTo(-18.906094382800358, 6);
    expect(result?.interval.upper).toBeCloseTo(30.572761049467022, 6);
  });

  it("gives the same result from SQL-style sums", () => {
    const sums = (values: number[]) =>
      summaryFromSums(
        values.length,
        values.reduce((a, b) => a + b, 0),
        values.reduce((a, b) => a + b * b, 0),
      );
    const fromSums = welchTest(sums(control), sums(treatment));
    const fromValues = welchTest(summarize(control), summarize(treatment));
    expect(fromSums?.statistic).toBeCloseTo(fromValues!.statistic, 10);
  });

  it("returns null for arms without spread or size", () => {
    expect(welchTest(summarize([0, 0]), summarize([0, 0]))).toBeNull();
    expect(welchTest(summarize([5]), summarize([1, 2, 3]))).toBeNull();
  });
});

describe("twoProportionTest", () => {
  it("matches a chi-square test without continuity correction", () => {
    // stats.chi2_contingency([[120, 2280], [156, 2244]], correction=False)
    // -> statistic 4.982124322454157, pvalue 0.02561051687426362
    const result = twoProportionTest(
      { successes: 120, trials: 2400 },
      { successes: 156, trials: 2400 },
    );
    expect(result!.statistic ** 2).toBeCloseTo(4.982124322454157, 9);
    expect(result?.pValue).toBeCloseTo(0.02561051687426362, 9);
    expect(result?.difference).toBeCloseTo(0.015, 12);
    expect(result?.relativeDifference).toBeCloseTo(0.3, 12);
  });

  it("draws an interval around the observed difference", () => {
    const result = twoProportionTest(
      { successes: 120, trials: 2400 },
      { successes: 156, trials: 2400 },
    )!;
    expect(result.interval.lower).toBeGreaterThan(0);
    expect(result.interval.upper).toBeLessThan(0.03);
    expect((result.interval.lower + result.interval.upper) / 2).toBeCloseTo(
      0.015,
      12,
    );
  });

  it("returns null for empty arms or no variation", () => {
    const empty = { successes: 0, trials: 0 };
    const some = { successes: 3, trials: 100 };
    expect(twoProportionTest(empty, some)).toBeNull();
    const none = { successes: 0, trials: 100 };
    expect(twoProportionTest(none, none)).toBeNull();
  });
});

describe("intervals", () => {
  it("computes the Wilson interval", () => {
    // stats.binomtest(12, 250).proportion_ci(0.95, method="wilson")
    // -> (0.02766820153069461, 0.08201230121318728)
    const interval = wilsonInterval(12, 250);
    expect(interval?.lower).toBeCloseTo(0.02766820153069461, 10);
    expect(interval?.upper).toBeCloseTo(0.08201230121318728, 10);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(wilsonInterval(0, 40)?.lower).toBe(0);
  });

  it("computes a t interval for a mean", () => {
    // stats.t.interval(0.95, 19, loc=13.875, scale=1)
    // -> (11.781975945591691, 15.968024054408309)
    const interval = meanInterval({ n: 20, mean: 13.875, variance: 20 });
    expect(interval?.lower).toBeCloseTo(11.781975945591691, 8);
    expect(interval?.upper).toBeCloseTo(15.968024054408309, 8);
    expect(meanInterval({ n: 1, mean: 3, variance: 0 })).toBeNull();
  });

  it("agrees with scipy's t and chi-square tails", () => {
    // stats.t.ppf(0.975, 19) -> 2.0930240544083087
    expect(studentTQuantile(0.975, 19)).toBeCloseTo(2.0930240544083087, 10);
    // stats.chi2.sf(3.031578947368421, 1) -> 0.08165851558521543
    expect(chiSquareUpperTail(3.031578947368421, 1)).toBeCloseTo(
      0.08165851558521543,
      8,
    );
  });
});

describe("planning", () => {
  const plan = { alpha: 0.05, power: 0.9, relativeEffect: 0.5 };

  it("matches power.prop.test's documented example", () => {
    // R, ?power.prop.test: power.prop.test(p1 = .50, p2 = .75, power = .90)
    // gives n = 76.7; scipy, same formula: 76.70692845177743.
    expect(conversionSampleSize(0.5, plan)).toBe(77);
  });

  it("plans a realistic conversion test", () => {
    // Same formula in scipy with p1 = 0.03, p2 = 0.033, power 0.8
    // -> 53210.301207008255
    const n = conversionSampleSize(0.03, {
      alpha: 0.05,
      power: 0.8,
      relativeEffect: 0.1,
    });
    expect(n).toBe(53211);
  });

  it("plans revenue per session from its variance", () => {
    // 2 * 260 * (norm.ppf(.975) + norm.ppf(.8))**2 / 0.18**2
    // -> 125969.67474881254
    const n = meanSampleSize(1.8, 260, {
      alpha: 0.05,
      power: 0.8,
      relativeEffect: 0.1,
    });
    expect(n).toBe(125970);
  });

  it("rejects impossible plans", () => {
    expect(conversionSampleSize(0.95, plan)).toBeNull();
    expect(meanSampleSize(0, 10, plan)).toBeNull();
    expect(() =>
      conversionSampleSize(0.1, { ...plan, relativeEffect: 0 }),
    ).toThrow(/minimum detectable effect must be positive/);
    expect(() => meanSampleSize(1, 1, { ...plan, power: 1 })).toThrow(
      /power must be between 0 and 1/,
    );
  });
});

describe("mixture SPRT", () => {
  it("computes the likelihood ratio of a look", () => {
    // math.sqrt(v/(v+t))*math.exp(t*d*d/(2*v*(v+t))) with d=0.004,
    // v=1.9e-05, t=0.005**2 -> 0.8347350769263535
    const ratio = mixtureLikelihoodRatio(
      { difference: 0.004, varianceOfDifference: 1.9e-5 },
      0.005 ** 2,
    );
    expect(ratio).toBeCloseTo(0.8347350769263535, 12);
  });

  it("keeps the running minimum p-value", () => {
    const p = alwaysValidPValues(
      [
        { difference: 0.02, varianceOfDifference: 1e-5 },
        { difference: 0, varianceOfDifference: 5e-6 },
      ],
      0.005 ** 2,
    );
    expect(p[0]).toBeLessThan(0.001);
    expect(p[1]).toBe(p[0]);
  });

  it("draws an interval wider than the fixed-sample one", () => {
    const look = { difference: 0.01, varianceOfDifference: 1e-5 };
    const interval = alwaysValidInterval(look, 0.005 ** 2, 0.05)!;
    const fixedHalf = 1.959963984540054 * Math.sqrt(1e-5);
    expect(interval.upper - 0.01).toBeGreaterThan(fixedHalf);
    expect(interval.lower + interval.upper).toBeCloseTo(0.02, 12);
  });

  it("gives no evidence without variance", () => {
    const look = { difference: 1, varianceOfDifference: 0 };
    expect(mixtureLikelihoodRatio(look, 1)).toBe(1);
    expect(alwaysValidInterval(look, 1, 0.05)).toBeNull();
  });
});
