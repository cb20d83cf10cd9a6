import { Banner, BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import type { BeforeAfterReport } from "~/experiments/experiment-report.server";
import { METHOD_TEXT } from "./experiment-copy";
import { formatMoney, formatPercent } from "./format";

/** Before/after comparison of an unrandomised change, marked as weaker. */
export function BeforeAfterCard(props: {
  report: BeforeAfterReport | null;
  pending: boolean;
  currency: string;
}) {
  const { report, currency } = props;
  const money = (value: number) => formatMoney(value, currency);
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Before and after the change
        </Text>
        <Banner tone="warning" title="Weaker evidence than an A/B test">
          {METHOD_TEXT.beforeAfter}
        </Banner>
        {report === null ? (
          <Text as="p">
            {props.pending
              ? "A comparison needs one full week after the change."
              : "Set the day the change went live below."}
          </Text>
        ) : (
          <BlockStack gap="200">
            <DataTable
              columnContentTypes={[
                "text",
                "text",
                "numeric",
                "numeric",
                "numeric",
              ]}
              headings={["Window", "Days", "Sessions", "Conversion", "RPS"]}
              rows={[report.before, report.after].map((window, index) => [
                index === 0 ? "Before" : "After",
                `${window.range.from} to ${window.range.to}`,
                window.sessions.toLocaleString("en-US"),
                formatPercent(
                  window.sessions > 0
                    ? window.convertingSessions / window.sessions
                    : null,
                ),
                money(window.revenuePerSession.mean),
              ])}
            />
            <Text as="p">
              {report.weeks} {report.weeks === 1 ? "week" : "weeks"} on each
              side, same weekdays. RPS change:{" "}
              {report.rps
                ? `${money(report.rps.difference)} (95% CI ${money(report.rps.interval.lower)} to ${money(report.rps.interval.upper)}, Welch p = ${report.rps.pValue.toFixed(4)})`
                : "not enough data"}
              . Conversion change:{" "}
              {report.conversion
                ? `${(report.conversion.difference * 100).toFixed(2)} pt (p = ${report.conversion.pValue.toFixed(4)})`
                : "not enough data"}
              .
            </Text>
          </BlockStack>
        )}
      </BlockStack>
    </Card>
  );
}
