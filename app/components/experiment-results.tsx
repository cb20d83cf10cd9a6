import {
  Banner,
  BlockStack,
  Card,
  DataTable,
  InlineGrid,
  Text,
} from "@shopify/polaris";
import type { Evaluation } from "~/experiments/evaluate";
import type { Interval } from "~/experiments/summary";
import { METHOD_TEXT, VERDICT_TONES, verdictText } from "./experiment-copy";
import { formatMoney, formatPercent } from "./format";
import { IntervalChart, type IntervalRow } from "./interval-chart";
import { SequentialChart } from "./sequential-chart";

function range(
  interval: Interval | null,
  format: (value: number) => string,
): string {
  return interval
    ? `${format(interval.lower)} to ${format(interval.upper)}`
    : "–";
}

function rowsOf(
  items: { label: string; value: number | null; interval: Interval | null }[],
): IntervalRow[] {
  return items.flatMap((item) =>
    item.value !== null && item.interval
      ? [{ label: item.label, value: item.value, ...item.interval }]
      : [],
  );
}

function formatP(p: number): string {
  return p < 0.0001 ? "< 0.0001" : p.toFixed(4);
}

/** Per-arm metrics, comparisons, the sample ratio check and the verdict. */
export function ExperimentResults(props: {
  evaluation: Evaluation;
  mixedSessions: number;
  unknownVariantSessions: number;
  metricLabel: string;
  currency: string;
  experimentKey: string;
}) {
  const { evaluation, currency } = props;
  const money = (value: number) => formatMoney(value, currency);
  const percent = (value: number) => formatPercent(value);
  const points = (value: number) => `${(value * 100).toFixed(2)} pt`;
  const srm = evaluation.srm;

  return (
    <BlockStack gap="400">
      <Banner tone={VERDICT_TONES[evaluation.verdict.kind]} title="Verdict">
        {verdictText(evaluation.verdict, props.metricLabel)}
      </Banner>
      <Card padding="0">
        <DataTable
          columnContentTypes={[
            "text",
            "numeric",
            "numeric",
            "numeric",
            "numeric",
            "numeric",
          ]}
          headings={[
            "Variant",
            "Sessions",
            "Orders",
            "Conversion (95% CI)",
            "AOV (95% CI)",
            "RPS (95% CI)",
          ]}
          rows={evaluation.arms.map((arm, index) => [
            index === 0 ? `${arm.key} (control)` : arm.key,
            arm.sessions.toLocaleString("en-US"),
            arm.orders.toLocaleString("en-US"),
            `${formatPercent(arm.conversion.value)} (${range(arm.conversion.interval, percent)})`,
            arm.aov.value === null
              ? "–"
              : `${money(arm.aov.value)} (${range(arm.aov.interval, money)})`,
            arm.rps.value === null
              ? "–"
              : `${money(arm.rps.value)} (${range(arm.rps.interval, money)})`,
          ])}
        />
      </Card>
      <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
        <Card>
          <BlockStack gap="200">
            <Text as="h3" variant="headingSm">
              RPS per variant, 95% intervals
            </Text>
            <IntervalChart
              testId="rps-intervals"
              format={money}
              rows={rowsOf(
                evaluation.arms.map((arm) => ({
                  label: arm.key,
                  ...arm.rps,
                })),
              )}
            />
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="200">
            <Text as="h3" variant="headingSm">
              Conversion per variant, 95% intervals
            </Text>
            <IntervalChart
              testId="conversion-intervals"
              format={percent}
              rows={rowsOf(
                evaluation.arms.map((arm) => ({
                  label: arm.key,
                  ...arm.conversion,
                })),
              )}
            />
          </BlockStack>
        </Card>
      </InlineGrid>
      <Card padding="0">
        <DataTable
          columnContentTypes={["text", "numeric", "numeric", "numeric"]}
          headings={[
            "Compared with control",
            "RPS difference (Welch, 95% CI)",
            "Conversion difference (95% CI)",
            "Always-valid p (primary metric)",
          ]}
          rows={evaluation.comparisons.map((comparison) => [
            comparison.variant,
            comparison.rps
              ? `${money(comparison.rps.difference)} (${range(comparison.rps.interval, money)}), p = ${formatP(comparison.rps.pValue)}`
              : "–",
            comparison.conversion
              ? `${points(comparison.conversion.difference)} (${range(comparison.conversion.interval, points)}), p = ${formatP(comparison.conversion.pValue)}`
              : "–",
            formatP(comparison.sequential.pValue),
          ])}
        />
      </Card>
      <Card>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            RPS difference against control, 95% intervals
          </Text>
          <IntervalChart
            testId="rps-difference"
            format={money}
            zero
            rows={evaluation.comparisons.flatMap((comparison) =>
              comparison.rps
                ? [
                    {
                      label: comparison.variant,
                      value: comparison.rps.difference,
                      ...comparison.rps.interval,
                    },
                  ]
                : [],
            )}
          />
          <Text as="h3" variant="headingSm">
            Always-valid p-value by day
          </Text>
          <SequentialChart
            alpha={evaluation.comparisonAlpha}
            series={evaluation.comparisons.map((comparison) => ({
              variant: comparison.variant,
              history: comparison.sequential.history,
            }))}
          />
        </BlockStack>
      </Card>
      <Card>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Sample ratio check
          </Text>
          {srm ? (
            <Text as="p" tone={srm.mismatch ? "critical" : undefined}>
              {srm.mismatch ? "Failed" : "Passed"}: chi-square{" "}
              {srm.chiSquare.toFixed(2)} with {srm.degreesOfFreedom}{" "}
              {srm.degreesOfFreedom === 1 ? "degree" : "degrees"} of freedom, p
              = {formatP(srm.pValue)}. Expected{" "}
              {srm.expected.map((count) => Math.round(count)).join(" / ")}{" "}
              visits, observed{" "}
              {evaluation.arms.map((arm) => arm.sessions).join(" / ")}.
            </Text>
          ) : (
            <Text as="p">
              No exposed visits yet. Publish exposures as experiment{" "}
              <code>{props.experimentKey}</code>.
            </Text>
          )}
          {props.mixedSessions > 0 ? (
            <Text as="p" tone="caution">
              {props.mixedSessions} visits saw more than one variant; each
              counts in the first variant it saw.
            </Text>
          ) : null}
          {props.unknownVariantSessions > 0 ? (
            <Text as="p" tone="caution">
              {props.unknownVariantSessions} exposed visits name a variant that
              is not one of this test's arms and are left out.
            </Text>
          ) : null}
          <Text as="h3" variant="headingSm">
            Method
          </Text>
          <Text as="p" tone="subdued">
            {METHOD_TEXT.sequential}
          </Text>
          <Text as="p" tone="subdued">
            {METHOD_TEXT.rps} {METHOD_TEXT.conversion}
          </Text>
          <Text as="p" tone="subdued">
            {METHOD_TEXT.srm}
          </Text>
        </BlockStack>
      </Card>
    </BlockStack>
  );
}
