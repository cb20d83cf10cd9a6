import type { LoaderFunctionArgs } from "@remix-run/node";
import {
  useLoaderData,
  useNavigation,
  useSearchParams,
} from "@remix-run/react";
import {
  BlockStack,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  Layout,
  Page,
  Select,
  Tabs,
  Text,
  TextField,
} from "@shopify/polaris";
import { useCallback } from "react";
import { clickGroups } from "~/analytics/click-groups.server";
import { parseDateRange } from "~/analytics/date-range.server";
import { heatmapPages } from "~/analytics/heatmap-pages.server";
import { latestPageSnapshot } from "~/analytics/page-snapshot.server";
import { scrollDepths } from "~/analytics/scroll-depths.server";
import { scrollReach } from "~/analytics/scroll-reach";
import { requireAdmin } from "~/auth.server";
import type { HeatmapMode } from "~/components/heatmap-view";
import { HeatmapView } from "~/components/heatmap-view";
import { pool } from "~/db.server";
import { detectFriction } from "~/friction/detect-friction.server";
import { frictionGroups } from "~/friction/friction-groups.server";

const DEVICES = ["desktop", "tablet", "mobile"] as const;
type Device = (typeof DEVICES)[number];

/** Viewport drawn for a device class when a page has no snapshot yet. */
const FALLBACK_VIEWPORTS: Record<Device, { width: number; height: number }> = {
  desktop: { width: 1440, height: 900 },
  tablet: { width: 820, height: 1180 },
  mobile: { width: 390, height: 844 },
};
const TOP_ELEMENTS = 10;

/** The maps of the page; rage and dead clicks draw friction signals. */
const TABS = [
  { id: "clicks", content: "Clicks", friction: null },
  { id: "scroll", content: "Scroll depth", friction: null },
  { id: "rage", content: "Rage clicks", friction: "rage-click" },
  { id: "dead", content: "Dead clicks", friction: "dead-click" },
] as const;

export const meta = () => [{ title: "Heatmaps · Storelens" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const params = new URL(request.url).searchParams;

  const device: Device =
    DEVICES.find((d) => d === params.get("device")) ?? "desktop";
  const tab = TABS.find((t) => t.id === params.get("mode")) ?? TABS[0];
  const mode: HeatmapMode = tab.id === "scroll" ? "scroll" : "clicks";
  const range = parseDateRange(params, shop.timezone);
  const scope = { shopId: shop.id, timezone: shop.timezone, device, range };

  const pages = await heatmapPages(pool, scope);
  // A path that could never be stored (NUL, over-long) matches nothing.
  const requested =
    params.get("path")?.replaceAll("\u0000", "").slice(0, 2048) || null;
  const path = requested ?? pages[0]?.path ?? null;
  if (path === null) {
    return { device, mode, tab: tab.id, range, pages, path, heatmap: null };
  }

  const filter = { ...scope, path };
  if (tab.friction) await detectFriction(pool, shop.id);
  const [groups, depths, snapshot] = await Promise.all([
    tab.friction
      ? frictionGroups(pool, { ...filter, kind: tab.friction })
      : clickGroups(pool, filter),
    scrollDepths(pool, filter),
    latestPageSnapshot(pool, filter),
  ]);
  return {
    device,
    mode,
    tab: tab.id,
    range,
    pages,
    path,
    heatmap: {
      clickGroups: groups,
      scroll: scrollReach(depths),
      snapshot,
      topElements: topElements(groups),
    },
  };
}

function topElements(groups: { selector: string; clicks: number }[]) {
  const bySelector = new Map<string, number>();
  let total = 0;
  for (const group of groups) {
    bySelector.set(
      group.selector,
      (bySelector.get(group.selector) ?? 0) + group.clicks,
    );
    total += group.clicks;
  }
  return [...bySelector.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_ELEMENTS)
    .map(([selector, clicks]) => ({ selector, clicks, share: clicks / total }));
}

export default function Heatmaps() {
  const { device, mode, tab, range, pages, path, heatmap } =
    useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  const navigation = useNavigation();

  const update = useCallback(
    (changes: Record<string, string>) =>
      setSearchParams((current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes))
          next.set(key, value);
        return next;
      }),
    [setSearchParams],
  );

  const pathOptions = pages.map((page) => ({
    label: `${page.path} (${page.pageViews.toLocaleString("en-US")} ${
      page.pageViews === 1 ? "view" : "views"
    })`,
    value: page.path,
  }));
  if (path && !pages.some((page) => page.path === path)) {
    pathOptions.unshift({ label: `${path} (no views)`, value: path });
  }
  const tabs = TABS.map(({ id, content }) => ({ id, content }));

  return (
    <Page title="Heatmaps" fullWidth>
      <Layout>
        <Layout.Section>
          <Card>
            <InlineGrid columns={{ xs: 1, md: 4 }} gap="300">
              <Select
                label="Page"
                options={
                  pathOptions.length > 0
                    ? pathOptions
                    : [{ label: "No pages yet", value: "" }]
                }
                value={path ?? ""}
                onChange={(value) => update({ path: value })}
                disabled={pathOptions.length === 0}
              />
              <Select
                label="Device"
                options={DEVICES.map((d) => ({
                  label: d[0].toUpperCase() + d.slice(1),
                  value: d,
                }))}
                value={device}
                onChange={(value) => update({ device: value })}
              />
              <TextField
                label="From"
                type="date"
                value={range.from}
                onChange={(value) => value && update({ from: value })}
                autoComplete="off"
              />
              <TextField
                label="To"
                type="date"
                value={range.to}
                onChange={(value) => value && update({ to: value })}
                autoComplete="off"
              />
            </InlineGrid>
          </Card>
        </Layout.Section>
        <Layout.Section>
          {heatmap === null || path === null ? (
            <Card>
              <EmptyState heading="No page views to map yet" image="">
                <p>
                  No {device} page views between {range.from} and {range.to}.
                  Check that the Storelens app embed is on in your theme, pick
                  another device, or widen the dates.
                </p>
              </EmptyState>
            </Card>
          ) : (
            <Card>
              <BlockStack gap="300">
                <Tabs
                  tabs={tabs}
                  selected={tabs.findIndex((t) => t.id === tab)}
                  onSelect={(index) => update({ mode: tabs[index].id })}
                />
                {heatmap.snapshot === null ? (
                  <Text as="p" tone="subdued">
                    No snapshot of this page on {device} yet: the next {device}{" "}
                    visit takes one. Until then clicks are drawn at their
                    recorded positions on a blank page.
                  </Text>
                ) : (
                  <Text as="p" tone="subdued">
                    Snapshot of {heatmap.snapshot.day} at{" "}
                    {heatmap.snapshot.viewportWidth}×
                    {heatmap.snapshot.viewportHeight}. Scroll inside the page to
                    see all of it.
                  </Text>
                )}
                {navigation.state === "loading" ? (
                  <Text as="p" tone="subdued">
                    Updating…
                  </Text>
                ) : null}
                <HeatmapView
                  key={`${path}|${device}`}
                  mode={mode}
                  snapshot={heatmap.snapshot}
                  clickGroups={heatmap.clickGroups}
                  scroll={heatmap.scroll}
                  fallbackViewport={FALLBACK_VIEWPORTS[device]}
                />
              </BlockStack>
            </Card>
          )}
        </Layout.Section>
        {heatmap && mode === "clicks" ? (
          <Layout.Section>
            <Card padding="0">
              <DataTable
                columnContentTypes={["text", "numeric", "numeric"]}
                headings={
                  tab === "clicks"
                    ? ["Most clicked elements", "Clicks", "Share"]
                    : [
                        tab === "rage"
                          ? "Elements with rage clicks"
                          : "Elements with dead clicks",
                        "Signals",
                        "Share",
                      ]
                }
                rows={heatmap.topElements.map((element) => [
                  <code key={element.selector}>{element.selector}</code>,
                  element.clicks.toLocaleString("en-US"),
                  `${(element.share * 100).toFixed(1)}%`,
                ])}
              />
            </Card>
          </Layout.Section>
        ) : null}
        {heatmap && mode === "scroll" ? (
          <Layout.Section>
            <Card padding="0">
              <DataTable
                columnContentTypes={["text", "numeric"]}
                headings={["Depth of the page", "Page views that reached it"]}
                rows={heatmap.scroll.reach
                  .map((share, band) => ({ share, band }))
                  .filter(({ band }) => band % 2 === 0)
                  .map(({ share, band }) => [
                    `${band * heatmap.scroll.bandPercent}%`,
                    `${Math.round(share * 100)}%`,
                  ])}
              />
            </Card>
          </Layout.Section>
        ) : null}
      </Layout>
    </Page>
  );
}
