import { formatMoney, formatPercent, plural } from "~/components/format";
import type { DetectedAlertKind, Severity } from "./alert-kinds";
import { addDays } from "./days";
import type { DropVerdict } from "./drop-rules";
import type { FrictionCandidate, FrictionVerdict } from "./friction-rules";

/** A link to the evidence behind an alert, as an in-app path. */
export interface EvidenceLink {
  label: string;
  path: string;
}

/** An alert ready to store: unique per shop, kind, subject and period. */
export interface NewAlert {
  kind: DetectedAlertKind;
  subject: string;
  period: string;
  severity: Severity;
  title: string;
  summary: string;
  revenueAtStake: number | null;
  details: Record<string, string | number | null>;
  evidence: EvidenceLink[];
}

/**
 * Severity from the revenue at stake as a share of an average day's
 * revenue: a tenth of a day or more is critical, a fiftieth a warning.
 */
export function severityOf(
  revenueAtStake: number,
  dailyRevenue: number,
  fallback: Severity,
): Severity {
  if (dailyRevenue <= 0) return fallback;
  const share = revenueAtStake / dailyRevenue;
  if (share >= 0.1) return "critical";
  if (share >= 0.02) return "warning";
  return "info";
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

/** Builds the alert for friction on one element of one page. */
export function frictionAlert(
  candidate: FrictionCandidate,
  verdict: FrictionVerdict,
  context: {
    day: string;
    currency: string;
    revenueAtStake: number;
    dailyRevenue: number;
  },
): NewAlert {
  const rage = candidate.rageSignals > 0;
  const what = rage ? "Rage clicks" : "Dead clicks";
  const element = `${candidate.selector} on ${candidate.path}`;
  const shoppers = plural(candidate.sessions, "shopper", "shoppers");
  const title =
    verdict.kind === "friction-new"
      ? `New ${what.toLowerCase()} on ${element}: ${shoppers} on ${context.day}`
      : `${what} up ${verdict.ratio.toFixed(1)}x on ${element}: ${shoppers} on ${context.day}`;
  const baselineRate =
    candidate.baselinePageSessions > 0
      ? candidate.baselineSessions / candidate.baselinePageSessions
      : null;
  const dayRate =
    candidate.pageSessions > 0
      ? candidate.sessions / candidate.pageSessions
      : null;
  const summary = [
    `${shoppers} met ${rage ? "rage clicks" : "dead clicks"} on ${candidate.selector} (${candidate.path}) on ${context.day}:`,
    `${plural(candidate.rageSignals, "rage-click burst", "rage-click bursts")} and ${plural(candidate.deadSignals, "dead click", "dead clicks")}.`,
    verdict.kind === "friction-new"
      ? "None in the 28 days before."
      : `That is ${formatPercent(dayRate)} of the page's sessions against ${formatPercent(baselineRate)} in the 28 days before.`,
  ].join(" ");
  return {
    kind: verdict.kind,
    subject: `${candidate.path} ${candidate.selector}`,
    period: context.day,
    severity: severityOf(
      context.revenueAtStake,
      context.dailyRevenue,
      "warning",
    ),
    title,
    summary,
    revenueAtStake: context.revenueAtStake,
    details: {
      path: candidate.path,
      selector: candidate.selector,
      device: candidate.device,
      sessions: candidate.sessions,
      rageSignals: candidate.rageSignals,
      deadSignals: candidate.deadSignals,
      clicks: candidate.clicks,
      pageSessions: candidate.pageSessions,
      baselineSessions: candidate.baselineSessions,
      baselinePageSessions: candidate.baselinePageSessions,
      ratio: verdict.kind === "friction-spike" ? verdict.ratio : null,
      pValue: verdict.kind === "friction-spike" ? verdict.pValue : null,
    },
    evidence: [
      {
        label: `${what} heatmap`,
        path: `/app/heatmaps?${query({
          path: candidate.path,
          device: candidate.device,
          mode: rage ? "rage" : "dead",
          from: context.day,
          to: context.day,
        })}`,
      },
      {
        label: "Friction report",
        path: `/app/friction?${query({ from: context.day, to: context.day })}`,
      },
    ],
  };
}

/** Builds the alert for an RPS or conversion drop of the whole shop. */
export function dropAlert(
  verdict: DropVerdict,
  context: { day: string; currency: string; dailyRevenue: number },
): NewAlert {
  const percent = `${Math.round(verdict.drop * 100)}%`;
  const weekday = new Date(`${context.day}T12:00:00Z`).toLocaleDateString(
    "en-US",
    { weekday: "long", timeZone: "UTC" },
  );
  const rps = verdict.kind === "rps-drop";
  const format = (value: number) =>
    rps ? formatMoney(value, context.currency) : formatPercent(value);
  const title = rps
    ? `Revenue per session fell ${percent} on ${context.day}`
    : `Conversion fell ${percent} on ${context.day}`;
  const summary = [
    `${rps ? "Revenue per session" : "Conversion rate"} was ${format(verdict.value)} on ${weekday} ${context.day}, against ${format(verdict.baseline)} on the same weekday of the previous four weeks.`,
    `${rps ? "Orders" : "Converting sessions"}: ${verdict.observed} where ${verdict.expected.toFixed(1)} were expected (p = ${verdict.pValue.toPrecision(2)}).`,
  ].join(" ");
  return {
    kind: verdict.kind,
    subject: "shop",
    period: context.day,
    severity: severityOf(
      verdict.revenueAtStake,
      context.dailyRevenue,
      "warning",
    ),
    title,
    summary,
    revenueAtStake: verdict.revenueAtStake,
    details: {
      value: verdict.value,
      baseline: verdict.baseline,
      drop: verdict.drop,
      pValue: verdict.pValue,
      expected: verdict.expected,
      observed: verdict.observed,
    },
    evidence: [
      {
        label: "Revenue report",
        path: `/app/revenue?${query({ from: addDays(context.day, -28), to: context.day })}`,
      },
      {
        label: "Friction that day",
        path: `/app/friction?${query({ from: context.day, to: context.day })}`,
      },
    ],
  };
}
