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
import { shopOverview } from "~/analytics/shop-overview.server";
import { requireAdmin } from "~/auth.server";
import { pool } from "~/db.server";
import { env } from "~/env.server";

/** File name of the app embed block in extensions/storelens-embed/blocks. */
const EMBED_BLOCK_HANDLE = "storelens";
const OVERVIEW_DAYS = 7;
/** How often the page checks for first events while it waits for them. */
const WAITING_REFRESH_MS = 10_000;

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const since = new Date(Date.now() - OVERVIEW_DAYS * 86_400_000);
  const overview = await shopOverview(pool, shop.id, since);
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
  };
}

export default function Overview() {
  const { receiving, themeEditorUrl, overview } =
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
          <InlineGrid columns={3} gap="400">
            <Metric label="Sessions" value={overview.sessions} />
            <Metric label="Page views" value={overview.pageViews} />
            <Metric label="Clicks" value={overview.clicks} />
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

function Metric(props: { label: string; value: number }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm" tone="subdued">
          {props.label}, last {OVERVIEW_DAYS} days
        </Text>
        <Text as="p" variant="heading2xl">
          {props.value.toLocaleString("en-US")}
        </Text>
      </BlockStack>
    </Card>
  );
}
