import type { HypothesisState } from "~/experiments/hypothesis-schema";

export const STATE_LABELS: Record<HypothesisState, string> = {
  idea: "Idea",
  running: "Running",
  won: "Won",
  lost: "Lost",
  inconclusive: "Inconclusive",
};

export const STATE_TONES: Record<
  HypothesisState,
  "info" | "attention" | "success" | "critical" | undefined
> = {
  idea: undefined,
  running: "attention",
  won: "success",
  lost: "critical",
  inconclusive: "info",
};

export const METRIC_LABELS: Record<string, string> = {
  rps: "revenue per session",
  conversion: "conversion rate",
};
