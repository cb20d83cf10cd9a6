import {
  binomialLowerTail,
  binomialUpperTail,
  logGamma,
  poissonLowerTail,
  rateIncreasePValue,
} from "./stats";

describe("logGamma", () => {
  it("matches factorials", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(171)).toBeCloseTo(706.5730622457874, 9);
  });

  it("matches Γ(1/2) = √π", () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
});

describe("binomial tails", () => {
  it("sums exact lower tails", () => {
    // (1 + 10 + 45) / 1024
    expect(binomialLowerTail(2, 10, 0.5)).toBeCloseTo(56 / 1024, 14);
    expect(binomialLowerTail(10, 10, 0.3)).toBe(1);
    expect(binomialLowerTail(-1, 10, 0.3)).toBe(0);
  });

  it("sums exact upper tails", () => {
    expect(binomialUpperTail(8, 10, 0.5)).toBeCloseTo(56 / 1024, 14);
    expect(binomialUpperTail(0, 10, 0.5)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.5)).toBe(0);
  });

  it("handles p of 0 and 1", () => {
    expect(binomialLowerTail(0, 5, 0)).toBe(1);
    expect(binomialUpperTail(5, 5, 1)).toBe(1);
    expect(binomialUpperTail(1, 5, 0)).toBe(0);
  });

  it("stays accurate far in the tail of a large n", () => {
    // 20 conversions where 10,000 sessions at 3% expect 300.
    const p = binomialLowerTail(20, 10_000, 0.03);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-90);
  });
});

describe("poissonLowerTail", () => {
  it("sums exact values", () => {
    expect(poissonLowerTail(0, 5)).toBeCloseTo(Math.exp(-5), 15);
    expect(poissonLowerTail(2, 5)).toBeCloseTo(18.5 * Math.exp(-5), 14);
    expect(poissonLowerTail(3, 0)).toBe(1);
  });
});

describe("rateIncreasePValue", () => {
  it("is the conditional binomial tail", () => {
    // Equal exposure: 8 of 10 events in the current period.
    expect(
      rateIncreasePValue(
        { events: 8, exposure: 100 },
        { events: 2, exposure: 100 },
      ),
    ).toBeCloseTo(56 / 1024, 14);
  });

  it("finds no increase at the baseline rate", () => {
    const p = rateIncreasePValue(
      { events: 10, exposure: 100 },
      { events: 280, exposure: 2800 },
    );
    expect(p).toBeGreaterThan(0.4);
  });
});
