import type { FrictionKind, SessionOutcomeRow } from "./types";

/** Any detector output that belongs to one session. */
export interface SessionSignal {
  kind: FrictionKind;
  sessionId: string;
}

export interface SessionOutcome {
  sessionId: string;
  revenue: number;
  converted: boolean;
}

/**
 * Joins session outcomes with detector signals into the rows `impact.ts`
 * reads. Sessions without signals get an empty set, because they are the
 * comparison group. Signals of sessions missing from `outcomes` are dropped.
 */
export function toSessionOutcomeRows(
  outcomes: SessionOutcome[],
  signals: SessionSignal[],
): SessionOutcomeRow[] {
  const kindsBySession = new Map<string, Set<string>>();
  for (const signal of signals) {
    const kinds = kindsBySession.get(signal.sessionId) ?? new Set<string>();
    kinds.add(signal.kind);
    kindsBySession.set(signal.sessionId, kinds);
  }
  return outcomes.map((outcome) => ({
    ...outcome,
    signals: kindsBySession.get(outcome.sessionId) ?? new Set<string>(),
  }));
}
