import type { Verdict } from "~/experiments/evaluate";

/** Merchant-facing sentence for each verdict of an A/B test. */
export function verdictText(verdict: Verdict, metricLabel: string): string {
  switch (verdict.kind) {
    case "blocked":
      return "No verdict: the arms' visit counts do not match the designed split (sample ratio mismatch). Fix the assignment before trusting any number below.";
    case "collecting":
      return "Collecting data: every arm needs at least 100 visits before a verdict.";
    case "treatment_better":
      return `${verdict.variant} beats the control on ${metricLabel}. The always-valid test is below the significance level, so this holds however often you looked.`;
    case "treatment_worse":
      return `${verdict.variant} does worse than the control on ${metricLabel}. Stop it.`;
    case "no_difference":
      return `Every arm reached its planned size with no difference in ${metricLabel} large enough to detect. Call it inconclusive, or plan a larger test for a smaller effect.`;
    case "running":
      return "Keep running: no arm differs clearly yet, and the planned size is not reached. Looking now does not spoil the test.";
  }
}

export const VERDICT_TONES: Record<
  Verdict["kind"],
  "success" | "critical" | "warning" | "info"
> = {
  blocked: "critical",
  collecting: "info",
  treatment_better: "success",
  treatment_worse: "warning",
  no_difference: "info",
  running: "info",
};

export const METHOD_TEXT = {
  sequential:
    "Verdicts use a mixture sequential probability ratio test (mSPRT): its always-valid p-value stays valid however often the results are looked at, so checking daily does not raise the false-positive rate above the significance level. A fixed-sample test looked at ten times would wrongly declare about one A/A test in five a winner. With more than one variant, the level is split between the comparisons (Bonferroni).",
  rps: "Revenue per session is mostly zeros with a few large orders, so arms are compared with Welch's t-test, which allows their variances to differ and relies only on the means being near normal, true with the thousands of visits a test collects.",
  conversion:
    "Conversion compares the share of visits with an order in each arm with a two-proportion z-test.",
  srm: "The sample ratio check compares visits per arm with the designed split (chi-square, arms minus one degrees of freedom) and blocks the verdict when p < 0.001.",
  beforeAfter:
    "Weaker evidence: the change was not randomised. Both windows cover the same weekdays, but anything else that changed between them (campaigns, season, prices, stock) looks like an effect here.",
};
