import { Form } from "@remix-run/react";
import {
  BlockStack,
  Button,
  Card,
  DataTable,
  InlineStack,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import type { PlanningReport } from "~/experiments/experiment-report.server";
import type { Plan } from "~/experiments/planning";
import { formatMoney, formatPercent } from "./format";

const count = (value: number) => value.toLocaleString("en-US");

function planCells(plan: Plan | null): string[] {
  if (!plan) return ["–", "–", "–"];
  return [
    plan.arms.map((arm) => `${arm.key} ${count(arm.sessions)}`).join(" · "),
    count(plan.totalSessions),
    plan.days === null ? "no traffic" : `${count(plan.days)} days`,
  ];
}

/** Describes what the split costs against an equal one, for one metric. */
function splitCost(
  label: string,
  plan: Plan | null,
  equal: Plan | null,
): string | null {
  if (!plan || !equal) return null;
  const extra = plan.totalSessions / equal.totalSessions - 1;
  const days =
    plan.days !== null && equal.days !== null
      ? ` (${count(plan.days)} days against ${count(equal.days)})`
      : "";
  return `${label}: ${count(plan.totalSessions)} visits in all against ${count(equal.totalSessions)} with an equal split, ${formatPercent(extra)} more${days}.`;
}

/**
 * Sample size and duration calculator. It reads the pages' own traffic of
 * the last 28 days; the form reloads the page with other settings.
 */
export function PlanningCard(props: {
  planning: PlanningReport;
  metric: string;
  currency: string;
}) {
  const { planning, currency } = props;
  const { traffic, input } = planning;
  const [effect, setEffect] = useState(String(input.relativeEffect * 100));
  const [alpha, setAlpha] = useState(String(input.alpha));
  const [power, setPower] = useState(String(input.power));
  const rps = traffic.revenuePerSession;
  const conversion =
    traffic.sessions > 0 ? traffic.convertingSessions / traffic.sessions : null;
  const weightSum = planning.arms.reduce((sum, arm) => sum + arm.weight, 0);
  const split = planning.arms
    .map((arm) => `${arm.key} ${formatPercent(arm.weight / weightSum)}`)
    .join(", ");
  const costs = planning.equalSplit
    ? [
        splitCost(
          "Conversion",
          planning.conversion,
          planning.equalSplit.conversion,
        ),
        splitCost("RPS", planning.rps, planning.equalSplit.rps),
      ].filter((line): line is string => line !== null)
    : [];

  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Planning
        </Text>
        <Text as="p" tone="subdued">
          From {traffic.sessions.toLocaleString("en-US")} visits to these pages
          between {planning.range.from} and {planning.range.to} (
          {Math.round(traffic.dailySessions).toLocaleString("en-US")} a day):
          conversion {formatPercent(conversion)}, RPS{" "}
          {formatMoney(rps.mean, currency)} with a standard deviation of{" "}
          {formatMoney(Math.sqrt(rps.variance), currency)} per visit. Most
          visits buy nothing, so RPS varies far more than conversion and needs
          more visits to move.
        </Text>
        <Text as="p">
          Traffic split: {split} (control first).
          {planning.equalSplit
            ? " The smaller arm sets the pace, so an unequal split needs more visits than an equal one."
            : null}
        </Text>
        {costs.map((line) => (
          <Text as="p" key={line} tone="subdued">
            {line}
          </Text>
        ))}
        <Form method="get">
          <InlineStack gap="300" blockAlign="end">
            <TextField
              label="Minimum detectable effect (%)"
              name="mde"
              type="number"
              value={effect}
              onChange={setEffect}
              autoComplete="off"
            />
            <TextField
              label="Significance level"
              name="alpha"
              type="number"
              value={alpha}
              onChange={setAlpha}
              autoComplete="off"
            />
            <TextField
              label="Power"
              name="power"
              type="number"
              value={power}
              onChange={setPower}
              autoComplete="off"
            />
            <Button submit>Recalculate</Button>
          </InlineStack>
        </Form>
        <DataTable
          columnContentTypes={["text", "numeric", "numeric", "numeric"]}
          headings={["Metric", "Visits per arm", "Visits in all", "Duration"]}
          rows={[
            [
              `Conversion${props.metric === "conversion" ? " (decides)" : ""}`,
              ...planCells(planning.conversion),
            ],
            [
              `RPS${props.metric === "rps" ? " (decides)" : ""}`,
              ...planCells(planning.rps),
            ],
          ]}
        />
        <Text as="p" tone="subdued">
          Two-sided test of each variant against the control at the given level
          and power, with the arms sized by the split above. Duration assumes
          every visit to these pages enters the test; round it up to whole weeks
          so that each weekday counts equally.
        </Text>
      </BlockStack>
    </Card>
  );
}
