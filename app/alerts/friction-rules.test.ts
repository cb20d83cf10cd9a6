import {
  frictionRevenueAtStake,
  judgeFriction,
  MIN_HISTORY_DAYS,
  type FrictionCandidate,
} from "./friction-rules";

const SETTINGS = { frictionMinSessions: 5, frictionSpikeRatio: 3 };

function candidate(
  overrides: Partial<FrictionCandidate> = {},
): FrictionCandidate {
  return {
    path: "/cart",
    selector: "#checkout",
    device: "desktop",
    sessions: 10,
    rageSignals: 10,
    deadSignals: 30,
    clicks: 60,
    baselineSessions: 0,
    pageSessions: 100,
    baselinePageSessions: 2800,
    baselinePageRevenue: 14_000,
    affectedRevenue: 0,
    ...overrides,
  };
}

describe("judgeFriction", () => {
  it("calls friction new without a baseline", () => {
    expect(judgeFriction(candidate(), SETTINGS, 14)).toEqual({
      kind: "friction-new",
    });
  });

  it("needs a week of history for new friction", () => {
    expect(
      judgeFriction(candidate(), SETTINGS, MIN_HISTORY_DAYS - 1),
    ).toBeNull();
  });

  it("needs the minimum of shoppers", () => {
    expect(judgeFriction(candidate({ sessions: 4 }), SETTINGS, 14)).toBeNull();
  });

  it("finds a significant spike", () => {
    // 10% of today's sessions against 1% over the baseline: 10x.
    const verdict = judgeFriction(
      candidate({ baselineSessions: 28 }),
      SETTINGS,
      14,
    );
    expect(verdict?.kind).toBe("friction-spike");
    const spike = verdict as Extract<
      typeof verdict,
      { kind: "friction-spike" }
    >;
    expect(spike.ratio).toBeCloseTo(10, 10);
    expect(spike.pValue).toBeLessThan(0.001);
  });

  it("waits while the rollup lags the signals", () => {
    // 11 shoppers met friction on a page the rollup shows no sessions for
    // yet: judging now would see a 100% rate.
    expect(
      judgeFriction(
        candidate({ sessions: 11, pageSessions: 0, baselineSessions: 65 }),
        SETTINGS,
        14,
      ),
    ).toBeNull();
    expect(
      judgeFriction(
        candidate({ pageSessions: 5, baselineSessions: 0 }),
        SETTINGS,
        14,
      ),
    ).toBeNull();
    expect(
      judgeFriction(
        candidate({ baselineSessions: 65, baselinePageSessions: 40 }),
        SETTINGS,
        14,
      ),
    ).toBeNull();
  });

  it("ignores a rise below the shop's ratio", () => {
    // 10% against 5%: twice the baseline, under the ratio of 3.
    expect(
      judgeFriction(candidate({ baselineSessions: 140 }), SETTINGS, 14),
    ).toBeNull();
  });

  it("ignores a large ratio that chance explains", () => {
    // 5 of 20 against 1 of 30: the ratio is 7.5, but p is about 0.04.
    expect(
      judgeFriction(
        candidate({
          sessions: 5,
          pageSessions: 20,
          baselineSessions: 1,
          baselinePageSessions: 30,
        }),
        SETTINGS,
        14,
      ),
    ).toBeNull();
  });
});

describe("frictionRevenueAtStake", () => {
  it("multiplies the RPS gap by the shoppers affected", () => {
    // Page RPS $5, the affected shoppers' RPS $1: 10 x $4.
    expect(frictionRevenueAtStake(candidate({ affectedRevenue: 10 }))).toBe(40);
  });

  it("is never negative", () => {
    expect(frictionRevenueAtStake(candidate({ affectedRevenue: 1000 }))).toBe(
      0,
    );
  });
});
