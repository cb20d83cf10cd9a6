import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Card,
  DataTable,
  EmptyState,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import { parseDateRange } from "~/analytics/date-range.server";
import { requireAdmin } from "~/auth.server";
import { formatMoney, formatPercent, plural } from "~/components/format";
import { pool } from "~/db.server";
import { detectFriction } from "~/friction/detect-friction.server";
import { frictionReport } from "~/friction/friction-report.server";

export const meta = () => [{ title: "Friction · Storelens" }];

const KIND_LABELS: Record<string, string> = {
  "rage-click": "Rage clicks",
  "dead-click": "Dead clicks",
};

/** Heatmap tab that draws each kind of signal. */
const KIND_TABS: Record<string, string> = {
  "rage-click": "rage",
  "dead-click": "dead",
};

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const range = parseDateRange(
    new URL(request.url).searchParams,
    shop.timezone,
  );
  // New clicks are examined first, so the page never lags its data.
  await detectFriction(pool, shop.id);
  const report = await frictionReport(pool, {
    shopId: shop.id,
    timezone: shop.timezone,
    range,
  });
  return { range, currency: shop.currency, ...report };
}

export default function Friction() {
  const { range, currency, impacts, hotspots } = useLoaderData<typeof loader>();
  const query = `from=${range.from}&to=${range.to}`;

  return (
    <Page title="Friction" subtitle={`${range.from} to ${range.to}`}>
      <Layout>
        <Layout.Section>
          {impacts.length === 0 ? (
            <Card>
              <EmptyState heading="No friction found in this range" image="">
                <p>
                  Rage and dead clicks appear here once shoppers meet them.
                  Friction is measured by the storefront script of this version
                  onwards.
                </p>
              </EmptyState>
            </Card>
          ) : (
            <Card padding="0">
              <DataTable
                columnContentTypes={[
                  "text",
                  "numeric",
                  "numeric",
                  "numeric",
                  "numeric",
                ]}
                headings={[
                  "Signal",
                  "Sessions affected",
                  "RPS with / without",
                  "Conversion with / without",
                  "Revenue at stake (estimate)",
                ]}
                rows={impacts.map((impact) => [
                  <BlockStack key={impact.kind} gap="100">
                    <Text as="span" fontWeight="semibold">
                      {KIND_LABELS[impact.kind] ?? impact.kind}
                    </Text>
                    {impact.smallSample ? (
                      <Badge tone="attention">Small sample</Badge>
                    ) : null}
                  </BlockStack>,
                  plural(impact.affectedSessions, "session", "sessions"),
                  `${formatMoney(impact.rpsWith, currency)} / ${
                    impact.rpsWithout === null
                      ? "–"
                      : formatMoney(impact.rpsWithout, currency)
                  }`,
                  `${formatPercent(impact.conversionWith)} / ${formatPercent(
                    impact.conversionWithout,
                  )}`,
                  impact.estimatedRevenueAtStake === null
                    ? "–"
                    : formatMoney(impact.estimatedRevenueAtStake, currency),
                ])}
              />
            </Card>
          )}
        </Layout.Section>
        <Layout.Section>
          <Text as="p" tone="subdued">
            Revenue at stake is an estimate: the gap in revenue per session
            between sessions with and without the signal, times the sessions
            affected. The groups also differ in other ways, so read it as an
            upper bound.
          </Text>
        </Layout.Section>
        {hotspots.length > 0 ? (
          <Layout.Section>
            <Card padding="0">
              <DataTable
                columnContentTypes={[
                  "text",
                  "text",
                  "text",
                  "numeric",
                  "numeric",
                  "text",
                ]}
                headings={[
                  "Signal",
                  "Page",
                  "Element",
                  "Signals",
                  "Sessions",
                  "Test",
                ]}
                rows={hotspots.map((spot) => [
                  KIND_LABELS[spot.kind] ?? spot.kind,
                  <Link
                    key={`${spot.kind}${spot.path}${spot.selector}${spot.device}`}
                    to={`/app/heatmaps?path=${encodeURIComponent(spot.path)}&device=${spot.device}&mode=${KIND_TABS[spot.kind] ?? "clicks"}&${query}`}
                  >
                    {spot.path} ({spot.device})
                  </Link>,
                  <code key="selector">{spot.selector}</code>,
                  spot.signals.toLocaleString("en-US"),
                  spot.sessions.toLocaleString("en-US"),
                  <Link
                    key="hypothesis"
                    to={`/app/hypotheses/new?signal=${spot.kind}&path=${encodeURIComponent(spot.path)}&device=${spot.device}&selector=${encodeURIComponent(spot.selector)}&${query}`}
                  >
                    Create hypothesis
                  </Link>,
                ])}
              />
            </Card>
          </Layout.Section>
        ) : null}
      </Layout>
    </Page>
  );
}
