import { SMALL_SAMPLE_SESSIONS } from "~/analytics/revenue/metrics";

import { estimateImpact } from "./impact";
import type { SessionOutcomeRow } from "./types";

function session(
  sessionId: string,
  revenue: number,
  signals: string[] = [],
): SessionOutcomeRow {
  return {
    sessionId,
    revenue,
    converted: revenue > 0,
    signals: new Set(signals),
  };
}

describe("estimateImpact", () => {
  it("returns nothing without signals", () => {
    expect(estimateImpact([session("s1", 50)])).toEqual([]);
  });

  it("computes RPS, conversion and revenue at stake", () => {
    const sessions = [
      // Four sessions with rage clicks: revenue 0, 0, 0, 40 -> RPS 10.
      session("s1", 0, ["rage-click"]),
      session("s2", 0, ["rage-click", "dead-click"]),
      session("s3", 0, ["rage-click"]),
      session("s4", 40, ["rage-click"]),
      // Six without: revenue 60, 60, 0, 0, 0, 60 -> RPS 30.
      session("s5", 60),
      session("s6", 60, ["dead-click"]),
      session("s7", 0),
      session("s8", 0),
      session("s9", 0),
      session("s10", 60),
    ];
    const [rage, dead] = estimateImpact(sessions);

    // (30 - 10) x 4 = 80.
    expect(rage).toEqual({
      kind: "rage-click",
      affectedSessions: 4,
      unaffectedSessions: 6,
      rpsWith: 10,
      rpsWithout: 30,
      conversionWith: 0.25,
      conversionWithout: 0.5,
      estimatedRevenueAtStake: 80,
      smallSample: true,
    });

    // Dead clicks: s2 (0) and s6 (60) -> RPS 30; the other eight sum to
    // 160 -> RPS 20. The gap is negative, so the estimate is floored at 0.
    expect(dead).toEqual({
      kind: "dead-click",
      affectedSessions: 2,
      unaffectedSessions: 8,
      rpsWith: 30,
      rpsWithout: 20,
      conversionWith: 0.5,
      conversionWithout: 0.375,
      estimatedRevenueAtStake: 0,
      smallSample: true,
    });
  });

  it("null estimates when all sessions affected", () => {
    const [impact] = estimateImpact([session("s1", 10, ["u-turn"])]);
    expect(impact.rpsWithout).toBeNull();
    expect(impact.conversionWithout).toBeNull();
    expect(impact.estimatedRevenueAtStake).toBeNull();
  });

  it("rounds the estimate to cents", () => {
    // With: 0 -> RPS 0. Without: 10, 0, 0 -> RPS 3.333...; x 1 = 3.33.
    const sessions = [
      session("s1", 0, ["js-error"]),
      session("s2", 10),
      session("s3", 0),
      session("s4", 0),
    ];
    expect(estimateImpact(sessions)[0].estimatedRevenueAtStake).toBe(3.33);
  });

  it("clears small sample with enough sessions", () => {
    const sessions = Array.from({ length: SMALL_SAMPLE_SESSIONS * 2 }, (_, i) =>
      session(
        `s${i}`,
        i % 2 === 0 ? 20 : 0,
        i < SMALL_SAMPLE_SESSIONS ? ["u-turn"] : [],
      ),
    );
    const [impact] = estimateImpact(sessions);
    expect(impact.smallSample).toBe(false);
    expect(impact.estimatedRevenueAtStake).toBe(0);
  });
});
