import type { LoaderFunctionArgs } from "@remix-run/node";
import {
  useLoaderData,
  useNavigation,
  useSearchParams,
} from "@remix-run/react";
import {
  BlockStack,
  Card,
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
import { parseDateRange } from "~/analytics/date-range.server";
import { heatmapPages } from "~/analytics/heatmap-pages.server";
import type { HeatmapTab } from "~/analytics/heatmap-report.server";
import { heatmapReport } from "~/analytics/heatmap-report.server";
import { requireAdmin } from "~/auth.server";
import type { HeatmapMode } from "~/components/heatmap-view";
import { HeatmapView } from "~/components/heatmap-view";
import {
  ConversionTable,
  ScrollReachTable,
  TopElementsTable,
} from "~/components/heatmap-tables";
import { plural } from "~/components/format";
import { pool } from "~/db.server";
import { recordingsUrl } from "~/replay/recordings-url";

const DEVICES = ["desktop", "tablet", "mobile"] as const;
type Device = (typeof DEVICES)[number];

/** Viewport drawn for a device class when a page has no snapshot yet. */
const FALLBACK_VIEWPORTS: Record<Device, { width: number; height: number }> = {
  desktop: { width: 1440, height: 900 },
  tablet: { width: 820, height: 1180 },
  mobile: { width: 390, height: 844 },
};

/** The maps of the page, with how each is drawn and what its table lists. */
const TABS: {
  id: HeatmapTab;
  content: string;
  mode: HeatmapMode;
  table: { heading: string; count: string } | null;
}[] = [
  {
    id: "clicks",
    content: "Clicks",
    mode: "clicks",
    table: { heading: "Most clicked elements", count: "Clicks" },
  },
  { id: "scroll", content: "Scroll depth", mode: "scroll", table: null },
  {
    id: "moves",
    content: "Moves",
    mode: "clicks",
    table: { heading: "Elements the pointer rests on", count: "Samples" },
  },
  {
    id: "rage",
    content: "Rage clicks",
    mode: "clicks",
    table: { heading: "Elements with rage clicks", count: "Signals" },
  },
  {
    id: "dead",
    content: "Dead clicks",
    mode: "clicks",
    table: { heading: "Elements with dead clicks", count: "Signals" },
  },
  { id: "conversion", content: "Conversion", mode: "elements", table: null },
];

export const meta = () => [{ title: "Heatmaps · Storelens" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const params = new URL(request.url).searchParams;

  const device: Device =
    DEVICES.find((d) => d === params.get("device")) ?? "desktop";
  const tab = TABS.find((t) => t.id === params.get("mode")) ?? TABS[0];
  const range = parseDateRange(params, shop.timezone);
  const scope = { shopId: shop.id, timezone: shop.timezone, device, range };
  const base = {
    device,
    mode: tab.mode,
    tab: tab.id,
    range,
    currency: shop.currency,
  };

  const pages = await heatmapPages(pool, scope);
  // A path that could never be stored (NUL, over-long) matches nothing.
  const requested =
    params.get("path")?.replaceAll("\u0000", "").slice(0, 2048) || null;
  const path = requested ?? pages[0]?.path ?? null;
  if (path === null) return { ...base, pages, path, heatmap: null };

  const heatmap = await heatmapReport(
    pool,
    { ...scope, path },
    tab.id,
    params.get("band"),
  );
  return { ...base, pages, path, heatmap };
}

export default function Heatmaps() {
  const { device, mode, tab, range, currency, pages, path, heatmap } =
    useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  const navigation = useNavigation();

  const update = useCallback(
    (changes: Record<string, string | null>) =>
      setSearchParams((current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) next.delete(key);
          else next.set(key, value);
        }
        return next;
      }),
    [setSearchParams],
  );

  const pathOptions = pages.map((page) => ({
    label: `${page.path} (${plural(page.pageViews, "view", "views")})`,
    value: page.path,
  }));
  if (path && !pages.some((page) => page.path === path)) {
    pathOptions.unshift({ label: `${path} (no views)`, value: path });
  }
  const bandOptions = (heatmap?.bands ?? []).map((band) => ({
    label: `${band.label}: ${plural(band.pageViews, "view", "views")}`,
    value: band.id,
  }));
  const tabs = TABS.map(({ id, content }) => ({ id, content }));
  const table = TABS.find((t) => t.id === tab)?.table ?? null;
  const bandLabel =
    heatmap?.bands.find((band) => band.id === heatmap.band)?.label ?? "";

  return (
    <Page title="Heatmaps" fullWidth>
      <Layout>
        <Layout.Section>
          <Card>
            <InlineGrid columns={{ xs: 1, md: 5 }} gap="300">
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
                // Bands belong to a device class: the new device starts on
                // its own busiest band.
                onChange={(value) => update({ device: value, band: null })}
              />
              <Select
                label="Screen width"
                options={
                  bandOptions.length > 0
                    ? bandOptions
                    : [{ label: "No page selected", value: "" }]
                }
                value={heatmap?.band ?? ""}
                onChange={(value) => update({ band: value })}
                disabled={bandOptions.length === 0}
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
                {tab === "moves" && device !== "desktop" ? (
                  <Text as="p" tone="subdued">
                    Pointer moves are recorded on desktop only: touch screens
                    have no pointer between taps. Pick Desktop to see them.
                  </Text>
                ) : null}
                {heatmap.snapshot === null ? (
                  <Text as="p" tone="subdued">
                    No snapshot of this page at {bandLabel} yet: the next{" "}
                    {device} visit at that width takes one. Until then points
                    are drawn at their recorded positions on a blank page.
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
                  key={`${path}|${device}|${heatmap.band}`}
                  mode={mode}
                  snapshot={heatmap.snapshot}
                  clickGroups={heatmap.clickGroups}
                  scroll={heatmap.scroll}
                  elements={heatmap.elements}
                  fallbackViewport={FALLBACK_VIEWPORTS[device]}
                />
              </BlockStack>
            </Card>
          )}
        </Layout.Section>
        {heatmap && table ? (
          <Layout.Section>
            <Card padding="0">
              <TopElementsTable
                heading={table.heading}
                countHeading={table.count}
                elements={heatmap.topElements}
                sessionsUrl={(selector) =>
                  recordingsUrl({
                    signal:
                      tab === "rage"
                        ? "rage-click"
                        : tab === "dead"
                          ? "dead-click"
                          : undefined,
                    path: path ?? undefined,
                    device,
                    selector,
                    from: range.from,
                    to: range.to,
                  })
                }
              />
            </Card>
          </Layout.Section>
        ) : null}
        {heatmap && tab === "scroll" ? (
          <Layout.Section>
            <Card padding="0">
              <ScrollReachTable scroll={heatmap.scroll} />
            </Card>
          </Layout.Section>
        ) : null}
        {heatmap && tab === "conversion" ? (
          <Layout.Section>
            <Card padding="0">
              <ConversionTable
                elements={heatmap.elements}
                currency={currency}
              />
            </Card>
          </Layout.Section>
        ) : null}
      </Layout>
    </Page>
  );
}
