import { describe, expect, it } from "vitest";
import { evaluateExperiment, type ArmDayRow } from "./evaluate";

function day(
  variant: string,
  dayOfMonth: number,
  sessions: number,
  converting: number,
  orderValue: number,
): ArmDayRow {
  return {
    variant,
    day: `2026-11-${String(dayOfMonth).padStart(2, "0")}`,
    sessions,
    convertingSessions: converting,
    orders: converting,
    revenue: converting * orderValue,
    revenueSquares: converting * orderValue * orderValue,
    orderValueSquares: converting * orderValue * orderValue,
  };
}

const arms = [
  { key: "control", weight: 50 },
  { key: "sticky-cart", weight: 50 },
];
const base = {
  arms,
  metric: "conversion" as const,
  alpha: 0.05,
  relativeEffect: 0.1,
  plannedControlSessions: 20000,
};

describe("evaluateExperiment", () => {
  it("reports metrics and intervals per arm", () => {
    const result = evaluateExperiment({
      ...base,
      rows: [
        day("control", 1, 1000, 30, 80),
        day("sticky-cart", 1, 1000, 36, 80),
      ],
    });
    const [control, treatment] = result.arms;
    expect(control.sessions).toBe(1000);
    expect(control.conversion.value).toBeCloseTo(0.03, 12);
    expect(control.rps.value).toBeCloseTo(2.4, 12);
    expect(control.aov.value).toBeCloseTo(80, 12);
    expect(treatment.conversion.interval!.lower).toBeLessThan(0.036);
    expect(treatment.conversion.interval!.upper).toBeGreaterThan(0.036);
    expect(result.srm?.mismatch).toBe(false);
  });

  it("declares a winner once the always-valid p-value is low", () => {
    const rows: ArmDayRow[] = [];
    for (let d = 1; d <= 10; d++) {
      rows.push(day("control", d, 2000, 60, 80));
      rows.push(day("sticky-cart", d, 2000, 84, 80));
    }
    const result = evaluateExperiment({ ...base, rows });
    const comparison = result.comparisons[0];
    expect(comparison.sequential.history).toHaveLength(10);
    expect(comparison.sequential.pValue).toBeLessThan(0.05);
    expect(comparison.conversion!.difference).toBeCloseTo(0.012, 12);
    expect(result.verdict).toEqual({
      kind: "treatment_better",
      variant: "sticky-cart",
    });
  });

  it("blocks the verdict on a sample ratio mismatch", () => {
    const result = evaluateExperiment({
      ...base,
      rows: [
        day("control", 1, 9463, 280, 80),
        day("sticky-cart", 1, 7681, 400, 80),
      ],
    });
    expect(result.srm?.mismatch).toBe(true);
    expect(result.verdict.kind).toBe("blocked");
  });

  it("waits for data before any verdict", () => {
    const result = evaluateExperiment({
      ...base,
      rows: [day("control", 1, 40, 1, 80), day("sticky-cart", 1, 35, 4, 80)],
    });
    expect(result.srm?.mismatch).toBe(false);
    expect(result.verdict.kind).toBe("collecting");
  });

  it("calls no difference at the planned size", () => {
    const rows = [
      day("control", 1, 20000, 600, 80),
      day("sticky-cart", 1, 20000, 602, 80),
    ];
    const result = evaluateExperiment({ ...base, rows });
    expect(result.verdict.kind).toBe("no_difference");
    const early = evaluateExperiment({
      ...base,
      plannedControlSessions: 40000,
      rows,
    });
    expect(early.verdict.kind).toBe("running");
  });

  it("scales the planned size by the split", () => {
    const oneToThree = {
      ...base,
      arms: [
        { key: "control", weight: 25 },
        { key: "sticky-cart", weight: 75 },
      ],
      plannedControlSessions: 20000,
    };
    const short = evaluateExperiment({
      ...oneToThree,
      rows: [
        day("control", 1, 20000, 600, 80),
        day("sticky-cart", 1, 59999, 1802, 80),
      ],
    });
    expect(short.srm?.mismatch).toBe(false);
    expect(short.verdict.kind).toBe("running");
    const reached = evaluateExperiment({
      ...oneToThree,
      rows: [
        day("control", 1, 20000, 600, 80),
        day("sticky-cart", 1, 60000, 1802, 80),
      ],
    });
    expect(reached.verdict.kind).toBe("no_difference");
  });

  it("checks the sample ratio against the split", () => {
    const rows = [
      day("control", 1, 2500, 75, 80),
      day("sticky-cart", 1, 7500, 225, 80),
    ];
    const oneToThree = evaluateExperiment({
      ...base,
      arms: [
        { key: "control", weight: 1 },
        { key: "sticky-cart", weight: 3 },
      ],
      rows,
    });
    expect(oneToThree.srm?.expected).toEqual([2500, 7500]);
    expect(oneToThree.srm?.mismatch).toBe(false);
    const equal = evaluateExperiment({ ...base, rows });
    expect(equal.srm?.mismatch).toBe(true);
    expect(equal.verdict.kind).toBe("blocked");
  });

  it("splits alpha over three arms", () => {
    const result = evaluateExperiment({
      ...base,
      arms: [...arms, { key: "banner", weight: 50 }],
      rows: [
        day("control", 1, 1000, 30, 80),
        day("sticky-cart", 1, 1000, 31, 80),
        day("banner", 1, 1000, 29, 80),
      ],
    });
    expect(result.comparisonAlpha).toBeCloseTo(0.025, 12);
    expect(result.comparisons).toHaveLength(2);
    expect(result.srm?.degreesOfFreedom).toBe(2);
  });

  it("handles an experiment without rows", () => {
    const result = evaluateExperiment({ ...base, rows: [] });
    expect(result.arms.map((arm) => arm.sessions)).toEqual([0, 0]);
    expect(result.srm).toBeNull();
    expect(result.comparisons[0].sequential.pValue).toBe(1);
    expect(result.verdict.kind).toBe("collecting");
  });
});
