import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  Layout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { parseDateRange } from "~/analytics/date-range.server";
import { requireAdmin } from "~/auth.server";
import { formatMoney, formatPercent, plural } from "~/components/format";
import { ScrollStopChart } from "~/components/scroll-stop-chart";
import { pool } from "~/db.server";
import { detectFriction } from "~/friction/detect-friction.server";
import {
  signalPlaces,
  type SignalPlace,
} from "~/friction/friction-details.server";
import { frictionReport } from "~/friction/friction-report.server";
import {
  excludedSelectors,
  parseExcludedSelectors,
  saveExcludedSelectors,
} from "~/friction/friction-settings.server";
import { repeatViewedProducts } from "~/friction/repeat-views.server";
import { scrollAbandonmentByPage } from "~/friction/scroll-abandonment.server";
import { FRICTION_SIGNALS, recordingsUrl } from "~/replay/recordings-url";

export const meta = () => [{ title: "Friction · Storelens" }];

const KIND_LABELS: Record<string, string> = {
  "rage-click": "Rage clicks",
  "dead-click": "Dead clicks",
  "form-abandonment": "Forms left unfinished",
  "u-turn": "Quick returns (U-turns)",
  "hover-without-click": "Hovered, never clicked",
  "js-error": "JavaScript errors",
};

/** Heading of the element column for each kind. */
const PLACE_HEADINGS: Record<string, string> = {
  "form-abandonment": "Last field (form)",
  "u-turn": "Returned to",
  "js-error": "Error message",
};

/** Heatmap tab that shows each kind of signal best. */
const KIND_TABS: Record<string, string> = {
  "rage-click": "rage",
  "dead-click": "dead",
  "hover-without-click": "moves",
  "u-turn": "scroll",
};

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const range = parseDateRange(
    new URL(request.url).searchParams,
    shop.timezone,
  );
  // New events are examined first, so the page never lags its data.
  await detectFriction(pool, shop.id);
  const filter = { shopId: shop.id, timezone: shop.timezone, range };
  const [report, places, scroll, repeats, excluded] = await Promise.all([
    frictionReport(pool, filter),
    signalPlaces(pool, filter),
    scrollAbandonmentByPage(pool, filter),
    repeatViewedProducts(pool, filter),
    excludedSelectors(pool, shop.id),
  ]);
  return {
    range,
    currency: shop.currency,
    impacts: report.impacts,
    places,
    scroll,
    repeats,
    excluded,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const form = await request.formData();
  const parsed = parseExcludedSelectors(form.get("excludedSelectors") ?? "");
  if (!parsed.ok) return { error: parsed.error, change: null };
  const change = await saveExcludedSelectors(pool, shop.id, parsed.selectors);
  return { error: null, change };
}

function placeElement(place: SignalPlace): string {
  if (place.kind === "form-abandonment") {
    return place.detail
      ? `${place.selector} (${place.detail})`
      : place.selector;
  }
  if (place.kind === "u-turn" || place.kind === "js-error") {
    return place.detail ?? "";
  }
  return place.selector;
}

/**
 * Links the recordings of a place's sessions: filtered by the signal and
 * element for rage and dead clicks, by page and device for the rest.
 */
function sessionsUrl(place: SignalPlace, range: { from: string; to: string }) {
  const signal = FRICTION_SIGNALS.find((kind) => kind === place.kind);
  return recordingsUrl({
    signal,
    selector: signal ? place.selector : undefined,
    path: place.path,
    device: place.device as "mobile" | "tablet" | "desktop",
    from: range.from,
    to: range.to,
  });
}

function PlacesCard(props: {
  kind: string;
  places: SignalPlace[];
  query: string;
  range: { from: string; to: string };
}) {
  const tab = KIND_TABS[props.kind] ?? "clicks";
  return (
    <Card padding="0">
      <BlockStack gap="200">
        <div style={{ padding: "16px 16px 0" }}>
          <Text as="h2" variant="headingMd">
            {KIND_LABELS[props.kind] ?? props.kind}: where
          </Text>
        </div>
        <DataTable
          columnContentTypes={["text", "text", "numeric", "numeric", "text"]}
          headings={[
            "Page",
            PLACE_HEADINGS[props.kind] ?? "Element",
            "Sessions",
            "Signals",
            "Test",
          ]}
          rows={props.places.map((place) => [
            <Link
              key={`${place.path}${place.device}${place.selector}${place.detail}`}
              to={`/app/heatmaps?path=${encodeURIComponent(place.path)}&device=${place.device}&mode=${tab}&${props.query}`}
            >
              {place.path} ({place.device})
            </Link>,
            <code key="element" style={{ wordBreak: "break-all" }}>
              {placeElement(place)}
            </code>,
            <Link key="sessions" to={sessionsUrl(place, props.range)}>
              {place.sessions.toLocaleString("en-US")}
            </Link>,
            place.signals.toLocaleString("en-US"),
            <Link
              key="hypothesis"
              to={`/app/hypotheses/new?signal=${props.kind}&path=${encodeURIComponent(place.path)}&device=${place.device}&selector=${encodeURIComponent(place.selector)}&${props.query}`}
            >
              Create hypothesis
            </Link>,
          ])}
        />
      </BlockStack>
    </Card>
  );
}

function ExcludedSelectorsCard(props: { excluded: string[] }) {
  const result = useActionData<typeof action>();
  const [text, setText] = useState(props.excluded.join("\n"));
  return (
    <Card>
      <Form method="post">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Elements excluded from rage and dead clicks
          </Text>
          {result?.error ? (
            <Banner tone="critical">{result.error}</Banner>
          ) : null}
          {result?.change ? (
            <Banner tone="success">
              Saved. {plural(result.change.hidden, "signal", "signals")} hidden,{" "}
              {plural(result.change.restored, "signal", "signals")} shown again.
            </Banner>
          ) : null}
          <TextField
            label="One selector per line, as listed in the tables above"
            name="excludedSelectors"
            value={text}
            onChange={setText}
            multiline={4}
            autoComplete="off"
            helpText="End a line with * to exclude everything inside an element, for example #product-gallery *. Saving hides the rage and dead clicks on these elements from reports, alerts and recordings. Nothing is deleted: take a line out to show its clicks again."
          />
          <InlineGrid columns="auto">
            <Button submit>Save</Button>
          </InlineGrid>
        </BlockStack>
      </Form>
    </Card>
  );
}

export default function Friction() {
  const { range, currency, impacts, places, scroll, repeats, excluded } =
    useLoaderData<typeof loader>();
  const query = `from=${range.from}&to=${range.to}`;
  const scrollWithStops = scroll.filter((page) => page.stopBand !== null);

  return (
    <Page title="Friction" subtitle={`${range.from} to ${range.to}`}>
      <Layout>
        <Layout.Section>
          {impacts.length === 0 ? (
            <Card>
              <EmptyState heading="No friction found in this range" image="">
                <p>
                  Rage and dead clicks, unfinished forms, quick returns, long
                  hovers and JavaScript errors appear here once shoppers meet
                  them.
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
            upper bound. Forms, quick returns and hovers are counted once a
            visit has ended, 30 minutes after its last activity.
          </Text>
        </Layout.Section>
        {impacts.map((impact) => {
          const ofKind = places.filter((place) => place.kind === impact.kind);
          return ofKind.length > 0 ? (
            <Layout.Section key={impact.kind}>
              <PlacesCard
                kind={impact.kind}
                places={ofKind}
                query={query}
                range={range}
              />
            </Layout.Section>
          ) : null;
        })}
        {scrollWithStops.length > 0 ? (
          <Layout.Section>
            <Card>
              <BlockStack gap="400">
                <Text as="h2" variant="headingMd">
                  Where page views stop scrolling
                </Text>
                <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
                  {scrollWithStops.map((page) => (
                    <BlockStack key={`${page.path} ${page.device}`} gap="100">
                      <Link
                        to={`/app/heatmaps?path=${encodeURIComponent(page.path)}&device=${page.device}&mode=scroll&${query}`}
                      >
                        {page.path} ({page.device})
                      </Link>
                      <Text as="p" variant="bodySm" tone="subdued">
                        Most of{" "}
                        {plural(page.pageViews, "page view", "page views")} stop
                        at {page.stopBand!.fromPercent}–
                        {page.stopBand!.toPercent}% of the page.
                      </Text>
                      <ScrollStopChart
                        bands={page.bands}
                        stopFrom={page.stopBand!.fromPercent}
                      />
                      {page.unreached.map((element) => (
                        <Text
                          as="p"
                          variant="bodySm"
                          tone="critical"
                          key={element.name}
                        >
                          {element.name} (at {element.top} px) is seen by{" "}
                          {formatPercent(element.reach)} of page views.
                        </Text>
                      ))}
                    </BlockStack>
                  ))}
                </InlineGrid>
              </BlockStack>
            </Card>
          </Layout.Section>
        ) : null}
        {repeats.length > 0 ? (
          <Layout.Section>
            <Card padding="0">
              <BlockStack gap="200">
                <div style={{ padding: "16px 16px 0" }}>
                  <Text as="h2" variant="headingMd">
                    Viewed on three or more days in a week, never bought
                  </Text>
                </div>
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric"]}
                  headings={["Product id", "Visitors", "Views"]}
                  rows={repeats.map((product) => [
                    product.productId,
                    product.visitors.toLocaleString("en-US"),
                    product.views.toLocaleString("en-US"),
                  ])}
                />
              </BlockStack>
            </Card>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <ExcludedSelectorsCard excluded={excluded} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}
