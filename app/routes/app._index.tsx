import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  List,
  Page,
  Text,
} from "@shopify/polaris";
import { useEffect } from "react";
import { parseDateRange } from "~/analytics/date-range.server";
import { DEFAULT_RANGE_DAYS } from "~/analytics/report-range";
import { revenueReport } from "~/analytics/revenue/revenue-report.server";
import { shopOverview } from "~/analytics/shop-overview.server";
import { requireAdmin } from "~/auth.server";
import { DeviceSplitChart } from "~/components/device-split-chart";
import { plural } from "~/components/format";
import { RevenueMetrics } from "~/components/revenue-metrics";
import { RevenueTrendChart } from "~/components/revenue-trend-chart";
import { pool } from "~/db.server";
import { env } from "~/env.server";

/** File name of the app embed block in extensions/storelens-embed/blocks. */
const EMBED_BLOCK_HANDLE = "storelens";
const OVERVIEW_DAYS = DEFAULT_RANGE_DAYS;
/** How often the page checks for first events while it waits for them. */
const WAITING_REFRESH_MS = 10_000;

export const meta = () => [{ title: "Storelens" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  // The reports' default range: the last seven days in the shop's zone.
  const range = parseDateRange(new URLSearchParams(), shop.timezone);
  const overview = await shopOverview(pool, shop.id, shop.timezone, range);
  const revenue = await revenueReport(pool, {
    shopId: shop.id,
    timezone: shop.timezone,
    range,
  });
  // Shopify offers no API to read whether an app embed is switched on, so
  // the first stored event is the signal that it works.
  const themeEditorUrl =
    `https://${shop.domain}/admin/themes/current/editor` +
    `?context=apps&activateAppId=${env().SHOPIFY_API_KEY}/${EMBED_BLOCK_HANDLE}`;
  return {
    receiving: shop.firstEventAt !== null,
    firstEventAt: shop.firstEventAt?.toISOString() ?? null,
    themeEditorUrl,
    overview,
    currency: shop.currency,
    revenue: {
      summary: revenue.summary,
      days: revenue.days,
      devices: revenue.devices,
    },
  };
}

export default function Overview() {
  const { receiving, themeEditorUrl, overview, revenue, currency } =
    useLoaderData<typeof loader>();
  const revalidator = useRevalidator();

  useEffect(() => {
    if (receiving) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, WAITING_REFRESH_MS);
    return () => clearInterval(timer);
  }, [receiving, revalidator]);

  return (
    <Page title="Storelens">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Storefront tracking
                </Text>
                {receiving ? (
                  <Badge tone="success">Receiving data</Badge>
                ) : (
                  <Badge tone="attention">Waiting for first events</Badge>
                )}
              </InlineStack>
              {receiving ? (
                <Text as="p">
                  Storelens is recording clicks and scrolling on your
                  storefront. Heatmaps fill in as shoppers visit.
                </Text>
              ) : (
                <BlockStack gap="200">
                  <List type="number">
                    <List.Item>
                      Open the theme editor with the button below. The Storelens
                      app embed is already selected.
                    </List.Item>
                    <List.Item>Switch it on and click Save.</List.Item>
                    <List.Item>
                      Visit your storefront and accept the cookie banner; this
                      page turns to "Receiving data" within a minute.
                    </List.Item>
                  </List>
                  <InlineStack>
                    <Button
                      variant="primary"
                      url={themeEditorUrl}
                      target="_top"
                    >
                      Enable the app embed
                    </Button>
                  </InlineStack>
                </BlockStack>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <RevenueMetrics
            summary={revenue.summary}
            currency={currency}
            sessionsNote={plural(overview.pageViews, "page view", "page views")}
          />
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="300">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Sessions and RPS, last {OVERVIEW_DAYS} days
                </Text>
                <RevenueTrendChart days={revenue.days} currency={currency} />
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  RPS by device
                </Text>
                <DeviceSplitChart rows={revenue.devices} currency={currency} />
              </BlockStack>
            </Card>
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            {overview.topPages.length === 0 ? (
              <EmptyState heading="No page views in the last 7 days" image="">
                <p>
                  Once the app embed is on, your most visited pages appear here
                  with a link to their heatmap.
                </p>
              </EmptyState>
            ) : (
              <DataTable
                columnContentTypes={["text", "numeric", "numeric"]}
                headings={["Page", "Page views", "Clicks"]}
                rows={overview.topPages.map((page) => [
                  <Link
                    key={page.path}
                    to={`/app/heatmaps?path=${encodeURIComponent(page.path)}`}
                  >
                    {page.path}
                  </Link>,
                  page.pageViews,
                  page.clicks,
                ])}
              />
            )}
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
