import { InlineGrid } from "@shopify/polaris";
import type { RevenueSummary } from "~/analytics/revenue/revenue-summary.server";
import { revenueRates } from "~/analytics/revenue/metrics";
import { formatMoney, formatPercent, plural } from "./format";
import { MetricCard } from "./metric-card";

/**
 * The six headline numbers of a range. Each rate names the sample it rests
 * on and is marked when that sample is small.
 */
export function RevenueMetrics(props: {
  summary: RevenueSummary;
  currency: string;
  /** Extra line under Sessions, e.g. the page views of the range. */
  sessionsNote?: string;
}) {
  const { summary, currency } = props;
  const rates = revenueRates(summary);
  const small = rates.smallSample ? ", small sample" : "";
  const sessions = plural(summary.sessions, "session", "sessions");
  return (
    <InlineGrid columns={{ xs: 2, md: 6 }} gap="300">
      <MetricCard
        label="Sessions"
        value={summary.sessions.toLocaleString("en-US")}
        sample={props.sessionsNote}
      />
      <MetricCard
        label="Orders"
        value={summary.orders.toLocaleString("en-US")}
      />
      <MetricCard
        label="Net revenue"
        value={formatMoney(summary.netRevenue, currency)}
        sample={`Refunds ${formatMoney(summary.refunds, currency)}`}
      />
      <MetricCard
        label="RPS"
        value={rates.rps === null ? "–" : formatMoney(rates.rps, currency)}
        sample={`${sessions}${small}`}
      />
      <MetricCard
        label="Conversion rate"
        value={formatPercent(rates.conversionRate)}
        sample={`${summary.convertingSessions.toLocaleString("en-US")} of ${sessions}${small}`}
      />
      <MetricCard
        label="AOV"
        value={rates.aov === null ? "–" : formatMoney(rates.aov, currency)}
        sample={plural(summary.orders, "order", "orders")}
      />
    </InlineGrid>
  );
}
