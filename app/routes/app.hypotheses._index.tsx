import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Card,
  EmptyState,
  InlineStack,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import { requireAdmin } from "~/auth.server";
import { formatMoney } from "~/components/format";
import {
  METRIC_LABELS,
  STATE_LABELS,
  STATE_TONES,
} from "~/components/hypothesis-labels";
import { prisma } from "~/db.server";
import {
  FINISHED_STATES,
  type HypothesisState,
} from "~/experiments/hypothesis-schema";

export const meta = () => [{ title: "Hypotheses · Storelens" }];

const COLUMNS: { title: string; states: HypothesisState[] }[] = [
  { title: "Ideas", states: ["idea"] },
  { title: "Running", states: ["running"] },
  { title: "Finished", states: [...FINISHED_STATES] },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const hypotheses = await prisma.hypothesis.findMany({
    where: { shopId: shop.id },
    orderBy: [{ revenueAtStake: "desc" }, { createdAt: "desc" }],
  });
  return {
    currency: shop.currency,
    hypotheses: hypotheses.map((hypothesis) => ({
      id: hypothesis.id,
      title: hypothesis.title,
      change: hypothesis.change,
      expectedEffect: hypothesis.expectedEffect,
      metric: hypothesis.metric,
      pages: hypothesis.pages,
      state: hypothesis.state as HypothesisState,
      evidenceLabel: hypothesis.evidenceLabel,
      evidenceUrl: hypothesis.evidenceUrl,
      revenueAtStake: hypothesis.revenueAtStake.toFixed(2),
      learning: hypothesis.learning,
    })),
  };
}

type BoardItem = Awaited<ReturnType<typeof loader>>["hypotheses"][number];

function HypothesisCard(props: { item: BoardItem; currency: string }) {
  const { item, currency } = props;
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Link to={`/app/hypotheses/${item.id}`}>
            <Text as="h3" variant="headingSm">
              {item.title}
            </Text>
          </Link>
          <Badge tone={STATE_TONES[item.state]}>
            {STATE_LABELS[item.state]}
          </Badge>
        </InlineStack>
        <Text as="p">
          If we {item.change}, then {item.expectedEffect} (
          {METRIC_LABELS[item.metric] ?? item.metric}).
        </Text>
        {item.pages.length > 0 ? (
          <Text as="p" tone="subdued">
            Pages: {item.pages.join(", ")}
          </Text>
        ) : null}
        {Number(item.revenueAtStake) > 0 ? (
          <Text as="p" tone="subdued">
            Revenue at stake (estimate):{" "}
            {formatMoney(item.revenueAtStake, currency)} per 30 days
          </Text>
        ) : null}
        {item.evidenceUrl ? (
          <Link to={item.evidenceUrl}>{item.evidenceLabel ?? "Evidence"}</Link>
        ) : null}
        {item.learning ? (
          <Text as="p">
            <Text as="span" fontWeight="semibold">
              Learning:
            </Text>{" "}
            {item.learning}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

export default function Hypotheses() {
  const { hypotheses, currency } = useLoaderData<typeof loader>();

  return (
    <Page
      title="Hypotheses"
      subtitle="Ordered by revenue at stake"
      primaryAction={{ content: "New hypothesis", url: "/app/hypotheses/new" }}
    >
      {hypotheses.length === 0 ? (
        <Card>
          <EmptyState
            heading="Turn evidence into a test"
            action={{ content: "New hypothesis", url: "/app/hypotheses/new" }}
            image=""
          >
            <p>
              Start from a friction hotspot or a heatmap: write the change, the
              effect you expect on a metric and the pages it touches.
            </p>
          </EmptyState>
        </Card>
      ) : (
        <Layout>
          {COLUMNS.map((column) => {
            const items = hypotheses.filter((item) =>
              column.states.includes(item.state),
            );
            return (
              <Layout.Section key={column.title} variant="oneThird">
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {column.title} ({items.length})
                  </Text>
                  {items.map((item) => (
                    <HypothesisCard
                      key={item.id}
                      item={item}
                      currency={currency}
                    />
                  ))}
                </BlockStack>
              </Layout.Section>
            );
          })}
        </Layout>
      )}
    </Page>
  );
}
