import { SMALL_SAMPLE_SESSIONS } from "~/analytics/revenue/metrics";

import type { SessionOutcomeRow } from "./types";

// Algorithm: for each signal kind, split the sessions into those with the
// signal and those without it, and compare revenue per session (RPS) and
// conversion rate between the two groups. Revenue at stake is the RPS gap
// times the affected sessions, floored at 0.

export interface SignalImpact {
  kind: string;
  affectedSessions: number;
  unaffectedSessions: number;
  rpsWith: number;
  /** Null when every session had the signal, so there is nothing to compare. */
  rpsWithout: number | null;
  conversionWith: number;
  conversionWithout: number | null;
  /**
   * An estimate, not a measured loss: (RPS without − RPS with) × affected
   * sessions, floored at 0 and rounded to cents. The groups differ in more
   * than this signal (device, traffic source, intent), so treat it as an
   * upper bound on what fixing the cause could recover. Null when
   * `rpsWithout` is null.
   */
  estimatedRevenueAtStake: number | null;
  /** True when either group has fewer than SMALL_SAMPLE_SESSIONS sessions. */
  smallSample: boolean;
}

/** Estimates each signal kind's effect on revenue, largest estimate first. */
export function estimateImpact(sessions: SessionOutcomeRow[]): SignalImpact[] {
  const kinds = new Set<string>();
  for (const session of sessions) {
    for (const kind of session.signals) kinds.add(kind);
  }

  return [...kinds]
    .map((kind) => impactOf(kind, sessions))
    .sort(
      (a, b) =>
        (b.estimatedRevenueAtStake ?? -1) - (a.estimatedRevenueAtStake ?? -1) ||
        b.affectedSessions - a.affectedSessions ||
        a.kind.localeCompare(b.kind),
    );
}

function impactOf(kind: string, sessions: SessionOutcomeRow[]): SignalImpact {
  const affected = sessions.filter((session) => session.signals.has(kind));
  const unaffected = sessions.filter((session) => !session.signals.has(kind));

  const rpsWith = revenuePerSession(affected);
  const rpsWithout =
    unaffected.length > 0 ? revenuePerSession(unaffected) : null;
  const atStake =
    rpsWithout === null
      ? null
      : toCents(Math.max(0, (rpsWithout - rpsWith) * affected.length));

  return {
    kind,
    affectedSessions: affected.length,
    unaffectedSessions: unaffected.length,
    rpsWith,
    rpsWithout,
    conversionWith: conversionRate(affected),
    conversionWithout:
      unaffected.length > 0 ? conversionRate(unaffected) : null,
    estimatedRevenueAtStake: atStake,
    smallSample:
      affected.length < SMALL_SAMPLE_SESSIONS ||
      unaffected.length < SMALL_SAMPLE_SESSIONS,
  };
}

/** Callers pass a non-empty group; affected groups always are. */
function revenuePerSession(group: SessionOutcomeRow[]): number {
  const revenue = group.reduce((sum, session) => sum + session.revenue, 0);
  return revenue / group.length;
}

function conversionRate(group: SessionOutcomeRow[]): number {
  return group.filter((session) => session.converted).length / group.length;
}

function toCents(value: number): number {
  return Math.round(value * 100) / 100;
}
