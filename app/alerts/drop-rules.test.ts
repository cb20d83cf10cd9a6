import { judgeDrops, type DayTotals } from "./drop-rules";

const SETTINGS = { dropMinPercent: 20, dropMinSessions: 200 };

function day(
  sessions: number,
  convertingSessions: number,
  revenuePerOrder = 50,
): DayTotals {
  return {
    sessions,
    convertingSessions,
    orders: convertingSessions,
    netRevenue: convertingSessions * revenuePerOrder,
  };
}

const WEEKS = [day(400, 40), day(400, 40), day(400, 40), day(400, 40)];

describe("judgeDrops", () => {
  it("finds both drops on a bad day", () => {
    const verdicts = judgeDrops(day(400, 8), WEEKS, SETTINGS);
    expect(verdicts.map((v) => v.kind)).toEqual([
      "conversion-drop",
      "rps-drop",
    ]);
    const [conversion, rps] = verdicts;
    expect(conversion.value).toBeCloseTo(0.02, 12);
    expect(conversion.baseline).toBeCloseTo(0.1, 12);
    expect(conversion.drop).toBeCloseTo(0.8, 12);
    // 40 expected conversions, 8 seen, $50 each.
    expect(conversion.revenueAtStake).toBe(1600);
    expect(rps.value).toBe(1);
    expect(rps.baseline).toBe(5);
    expect(rps.revenueAtStake).toBe(1600);
    expect(rps.pValue).toBeLessThan(1e-8);
  });

  it("stays quiet on an ordinary day", () => {
    expect(judgeDrops(day(400, 36), WEEKS, SETTINGS)).toEqual([]);
  });

  it("skips days under the shop's minimum of sessions", () => {
    expect(judgeDrops(day(150, 0), WEEKS, SETTINGS)).toEqual([]);
  });

  it("skips days whose expected count is under 10", () => {
    const rare = [day(400, 2), day(400, 2), day(400, 2), day(400, 2)];
    expect(judgeDrops(day(400, 0), rare, SETTINGS)).toEqual([]);
  });

  it("needs three weeks of baseline", () => {
    const young = [day(400, 40), day(400, 40), day(0, 0), day(0, 0)];
    expect(judgeDrops(day(400, 8), young, SETTINGS)).toEqual([]);
  });

  it("ignores a significant drop smaller than the shop's threshold", () => {
    const big = [day(20_000, 2000), day(20_000, 2000), day(20_000, 2000)];
    // 9% against 10%: significant at this size, but a 10% drop.
    expect(judgeDrops(day(20_000, 1800), big, SETTINGS)).toEqual([]);
  });
});
