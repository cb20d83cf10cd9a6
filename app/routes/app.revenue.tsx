import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useSearchParams } from "@remix-run/react";
import {
  BlockStack,
  Card,
  InlineGrid,
  Layout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { parseDateRange } from "~/analytics/date-range.server";
import { revenueReport } from "~/analytics/revenue/revenue-report.server";
import { requireAdmin } from "~/auth.server";
import { BackfillCard } from "~/components/backfill-card";
import { DeviceSplitChart } from "~/components/device-split-chart";
import { formatMoney } from "~/components/format";
import { RevenueMetrics } from "~/components/revenue-metrics";
import { RevenueTable } from "~/components/revenue-table";
import { RevenueTrendChart } from "~/components/revenue-trend-chart";
import { pool } from "~/db.server";
import { isDemoMode } from "~/demo.server";
import { backfillStatus, startBackfill } from "~/orders/backfill.server";

const CHANNEL_LABELS: Record<string, string> = {
  direct: "Direct",
  organic_search: "Organic search",
  paid: "Paid",
  social: "Social",
  email: "E-mail",
  referral: "Referral",
  unknown: "Unknown",
};

export const meta = () => [{ title: "Revenue per session · Storelens" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const params = new URL(request.url).searchParams;
  const range = parseDateRange(params, shop.timezone);
  const report = await revenueReport(pool, {
    shopId: shop.id,
    timezone: shop.timezone,
    range,
  });
  const backfill = await backfillStatus(shop.id);
  return {
    demo: isDemoMode(),
    range,
    currency: shop.currency,
    timezone: shop.timezone,
    backfill: backfill && {
      status: backfill.status,
      imported: backfill.imported,
      since: new Date(backfill.since).toISOString(),
      error: backfill.error,
      finishedAt: backfill.finishedAt
        ? new Date(backfill.finishedAt).toISOString()
        : null,
    },
    ...report,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  if (isDemoMode()) {
    throw new Response("The demo shop has no Admin API to import from", {
      status: 400,
    });
  }
  const form = await request.formData();
  if (form.get("intent") !== "backfill") {
    throw new Response("Unknown action: expected intent=backfill", {
      status: 400,
    });
  }
  await startBackfill(shop);
  return { started: true };
}

export default function Revenue() {
  const data = useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  const { summary, currency } = data;

  const setRange = (key: "from" | "to", value: string) =>
    setSearchParams((current) => {
      const next = new URLSearchParams(current);
      next.set(key, value);
      return next;
    });

  return (
    <Page title="Revenue per session" fullWidth>
      <Layout>
        <Layout.Section>
          <Card>
            <InlineGrid columns={{ xs: 1, md: 3 }} gap="300">
              <TextField
                label="From"
                type="date"
                value={data.range.from}
                onChange={(value) => value && setRange("from", value)}
                autoComplete="off"
              />
              <TextField
                label="To"
                type="date"
                value={data.range.to}
                onChange={(value) => value && setRange("to", value)}
                autoComplete="off"
              />
              <Text as="p" tone="subdued">
                Days in {data.timezone}. Revenue is net of refunds, in{" "}
                {currency}; cancelled and test orders count for nothing.
              </Text>
            </InlineGrid>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <RevenueMetrics summary={summary} currency={currency} />
        </Layout.Section>
        <Layout.Section>
          <BackfillCard backfill={data.backfill} demo={data.demo} />
        </Layout.Section>
        {summary.unattributedOrders > 0 ? (
          <Layout.Section>
            <Card>
              <Text as="p">
                {summary.unattributedOrders} orders (
                {formatMoney(summary.unattributedRevenue, currency)}) could not
                be matched to a storefront visit. They count in revenue and RPS
                above, not in the breakdowns below.
              </Text>
            </Card>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Sessions and RPS by day
              </Text>
              <RevenueTrendChart days={data.days} currency={currency} />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                RPS by device
              </Text>
              <DeviceSplitChart rows={data.devices} currency={currency} />
              <RevenueTable
                heading="Device"
                currency={currency}
                rows={data.devices.map((row) => ({ ...row, label: row.key }))}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <RevenueTable
              heading="Funnel stage"
              currency={currency}
              rows={data.stages.map((row) => ({ ...row, label: row.stage }))}
            />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <RevenueTable
              heading="Page (sessions that viewed it)"
              currency={currency}
              rows={data.pages.map((row) => ({ ...row, label: row.path }))}
            />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <RevenueTable
              heading="Traffic source"
              currency={currency}
              rows={data.channels.map((row) => ({
                ...row,
                label: CHANNEL_LABELS[row.key] ?? row.key,
              }))}
            />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <RevenueTable
              heading="Landing page"
              currency={currency}
              rows={data.landingPages.map((row) => ({
                ...row,
                label: row.key,
              }))}
            />
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
