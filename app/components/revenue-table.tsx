import { Badge, DataTable, InlineStack, Text } from "@shopify/polaris";
import type { RevenueCounts } from "~/analytics/revenue/metrics";
import { revenueRates } from "~/analytics/revenue/metrics";
import { formatMoney, formatPercent } from "./format";

interface Row extends RevenueCounts {
  label: string;
}

/**
 * Sessions, conversion, orders, revenue, AOV and RPS side by side. Every
 * rate shows its sample size, and rates over a small sample carry a badge.
 */
export function RevenueTable(props: {
  heading: string;
  rows: Row[];
  currency: string;
}) {
  const { heading, rows, currency } = props;
  return (
    <DataTable
      columnContentTypes={[
        "text",
        "numeric",
        "numeric",
        "numeric",
        "numeric",
        "numeric",
        "numeric",
      ]}
      headings={[
        heading,
        "Sessions",
        "Conversion",
        "Orders",
        "Net revenue",
        "AOV",
        "RPS",
      ]}
      rows={rows.map((row) => {
        const rates = revenueRates(row);
        return [
          <InlineStack key={row.label} gap="200" blockAlign="center">
            <Text as="span">{row.label}</Text>
            {rates.smallSample ? (
              <Badge tone="attention">Small sample</Badge>
            ) : null}
          </InlineStack>,
          row.sessions.toLocaleString("en-US"),
          `${formatPercent(rates.conversionRate)} (${row.convertingSessions} of ${row.sessions})`,
          row.orders.toLocaleString("en-US"),
          formatMoney(row.netRevenue, currency),
          rates.aov === null ? "–" : formatMoney(rates.aov, currency),
          rates.rps === null ? "–" : formatMoney(rates.rps, currency),
        ];
      })}
    />
  );
}
