import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Card,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import { requireAdmin } from "~/auth.server";
import { BeforeAfterCard } from "~/components/before-after-card";
import { ExperimentResults } from "~/components/experiment-results";
import { formatMoney } from "~/components/format";
import {
  METRIC_LABELS,
  STATE_LABELS,
  STATE_TONES,
} from "~/components/hypothesis-labels";
import { PlanningCard } from "~/components/planning-card";
import { StateForm, TestSettingsForm } from "~/components/hypothesis-forms";
import { pool, prisma } from "~/db.server";
import { experimentReport } from "~/experiments/experiment-report.server";
import {
  saveState,
  saveTestSettings,
  type ActionResult,
} from "~/experiments/hypothesis-actions.server";
import type { HypothesisState } from "~/experiments/hypothesis-schema";
import type { PlanInput } from "~/experiments/planning";

export const meta = () => [{ title: "Experiment · Storelens" }];

async function findHypothesis(shopId: string, id: string | undefined) {
  const hypothesis = id
    ? await prisma.hypothesis.findUnique({
        where: { shopId_id: { shopId, id } },
      })
    : null;
  if (!hypothesis) {
    throw new Response("Hypothesis not found", { status: 404 });
  }
  return hypothesis;
}

/** Reads a number from the query string when it lies in (min, max). */
function numberParam(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = Number(params.get(name));
  return params.has(name) && value > min && value < max ? value : undefined;
}

/** Planning values from the calculator's query string, else the stored ones. */
function planInputOf(params: URLSearchParams, stored: PlanInput): PlanInput {
  const effectPercent = numberParam(params, "mde", 0, 1000);
  return {
    relativeEffect:
      effectPercent === undefined ? stored.relativeEffect : effectPercent / 100,
    alpha: numberParam(params, "alpha", 0, 0.5) ?? stored.alpha,
    power: numberParam(params, "power", 0, 1) ?? stored.power,
  };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const hypothesis = await findHypothesis(shop.id, params.id);
  const query = new URL(request.url).searchParams;
  const report = await experimentReport(
    pool,
    shop,
    hypothesis,
    planInputOf(query, hypothesis),
  );
  return {
    currency: shop.currency,
    hypothesis: {
      ...hypothesis,
      state: hypothesis.state as HypothesisState,
      revenueAtStake: hypothesis.revenueAtStake.toFixed(2),
      changedAt: hypothesis.changedAt?.toISOString().slice(0, 10) ?? null,
    },
    report,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const hypothesis = await findHypothesis(shop.id, params.id);
  const form = Object.fromEntries(
    [...(await request.formData())].map(([key, value]) => [key, String(value)]),
  );
  let result: ActionResult;
  if (form.intent === "settings") {
    result = await saveTestSettings(pool, shop, hypothesis, form);
  } else if (form.intent === "state") {
    result = await saveState(shop.id, hypothesis, form);
  } else {
    result = {
      ok: false,
      field: "intent",
      message: "Intent must be settings or state",
    };
  }
  return Response.json(result, { status: result.ok ? 200 : 400 });
}

export default function Experiment() {
  const { hypothesis, report, currency } = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const metricLabel = METRIC_LABELS[hypothesis.metric] ?? hypothesis.metric;

  return (
    <Page
      title={hypothesis.title}
      titleMetadata={
        <Badge tone={STATE_TONES[hypothesis.state]}>
          {STATE_LABELS[hypothesis.state]}
        </Badge>
      }
      backAction={{ url: "/app/hypotheses" }}
    >
      <Layout>
        {result && !result.ok ? (
          <Layout.Section>
            <Banner tone="critical">{result.message}</Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="p">
                <Text as="span" fontWeight="semibold">
                  Change:
                </Text>{" "}
                {hypothesis.change}
              </Text>
              <Text as="p">
                <Text as="span" fontWeight="semibold">
                  Expected effect:
                </Text>{" "}
                {hypothesis.expectedEffect} (decided on {metricLabel})
              </Text>
              <Text as="p">
                <Text as="span" fontWeight="semibold">
                  Pages:
                </Text>{" "}
                {hypothesis.pages.length > 0
                  ? hypothesis.pages.join(", ")
                  : "the whole shop"}
              </Text>
              {hypothesis.evidenceUrl ? (
                <Link to={hypothesis.evidenceUrl}>
                  Evidence: {hypothesis.evidenceLabel}
                </Link>
              ) : null}
              {Number(hypothesis.revenueAtStake) > 0 ? (
                <Text as="p" tone="subdued">
                  Revenue at stake (estimate):{" "}
                  {formatMoney(hypothesis.revenueAtStake, currency)} per 30 days
                </Text>
              ) : null}
              {hypothesis.learning ? (
                <Text as="p">
                  <Text as="span" fontWeight="semibold">
                    Learning:
                  </Text>{" "}
                  {hypothesis.learning}
                </Text>
              ) : null}
            </BlockStack>
          </Card>
        </Layout.Section>
        {report.evaluation ? (
          <Layout.Section>
            <ExperimentResults
              evaluation={report.evaluation}
              mixedSessions={report.mixedSessions}
              unknownVariantSessions={report.unknownVariantSessions}
              metricLabel={metricLabel}
              currency={currency}
              experimentKey={hypothesis.experimentKey ?? ""}
            />
          </Layout.Section>
        ) : null}
        {hypothesis.mode === "before_after" ? (
          <Layout.Section>
            <BeforeAfterCard
              report={report.beforeAfter}
              pending={report.beforeAfterPending}
              currency={currency}
            />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <PlanningCard
            planning={report.planning}
            metric={hypothesis.metric}
            currency={currency}
          />
        </Layout.Section>
        <Layout.Section variant="oneHalf">
          <TestSettingsForm
            hypothesis={hypothesis}
            arms={report.arms}
            error={result && !result.ok ? result : undefined}
          />
        </Layout.Section>
        <Layout.Section variant="oneHalf">
          <StateForm
            state={hypothesis.state}
            learning={hypothesis.learning ?? ""}
            error={result && !result.ok ? result : undefined}
          />
        </Layout.Section>
      </Layout>
    </Page>
  );
}
