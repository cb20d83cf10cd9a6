import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import {
  Link,
  useActionData,
  useLoaderData,
  useNavigate,
} from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Box,
  Button,
  Card,
  Checkbox,
  DataTable,
  EmptyState,
  InlineStack,
  Layout,
  Page,
  Pagination,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { requireAdmin } from "~/auth.server";
import { formatMoney } from "~/components/format";
import { RecordingSettingsCard } from "~/components/recording-settings-card";
import { pool } from "~/db.server";
import {
  loadRecordingSettings,
  saveRecordingSettings,
} from "~/replay/recording-settings.server";
import {
  InvalidCursorError,
  parsePageRequest,
} from "~/replay/recordings-cursor.server";
import {
  listRecordings,
  parseRecordingFilters,
  type RecordingPage,
} from "~/replay/recordings-list.server";
import { recordingsUrl, type RecordingFilters } from "~/replay/recordings-url";
import { parseSettingsForm } from "~/replay/settings-form.server";

export const meta = () => [{ title: "Recordings · Storelens" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const params = new URL(request.url).searchParams;
  const { range, filters } = parseRecordingFilters(params, shop.timezone);
  const page = pageRequest(params);
  const [recordings, settings] = await Promise.all([
    listRecordings(
      pool,
      { shopId: shop.id, timezone: shop.timezone, range, filters },
      page,
    ),
    loadRecordingSettings(pool, shop.id),
  ]);
  return { filters, recordings, settings, currency: shop.currency };
}

/** Reads the page cursor and responds 400 when the list did not write it. */
function pageRequest(params: URLSearchParams) {
  try {
    return parsePageRequest(params);
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    throw Response.json({ error: error.message }, { status: 400 });
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const result = parseSettingsForm(await request.formData());
  if (!result.ok) {
    return {
      saved: false,
      error: { field: result.field, message: result.message },
    };
  }
  await saveRecordingSettings(pool, shop.id, result.values);
  return { saved: true, error: null };
}

const DEVICE_OPTIONS = [
  { label: "All devices", value: "" },
  { label: "Desktop", value: "desktop" },
  { label: "Tablet", value: "tablet" },
  { label: "Mobile", value: "mobile" },
];

const SIGNAL_OPTIONS = [
  { label: "Any", value: "" },
  { label: "Rage clicks", value: "rage-click" },
  { label: "Dead clicks", value: "dead-click" },
];

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function RecordingFiltersCard({ filters }: { filters: RecordingFilters }) {
  const navigate = useNavigate();
  const [draft, setDraft] = useState({
    from: filters.from ?? "",
    to: filters.to ?? "",
    device: filters.device ?? "",
    path: filters.path ?? "",
    selector: filters.selector ?? "",
    signal: filters.signal ?? "",
    minDurationSeconds: filters.minDurationSeconds?.toString() ?? "",
    minRevenue: filters.minRevenue?.toString() ?? "",
    cartAbandoned: filters.cartAbandoned ?? false,
  });
  const set = (name: keyof typeof draft) => (value: string | boolean) =>
    setDraft((current) => ({ ...current, [name]: value }));
  const apply = () =>
    navigate(
      recordingsUrl({
        from: draft.from || undefined,
        to: draft.to || undefined,
        device: (draft.device || undefined) as RecordingFilters["device"],
        path: draft.path || undefined,
        selector: draft.selector || undefined,
        signal: (draft.signal || undefined) as RecordingFilters["signal"],
        minDurationSeconds: draft.minDurationSeconds
          ? Number(draft.minDurationSeconds)
          : undefined,
        minRevenue: draft.minRevenue ? Number(draft.minRevenue) : undefined,
        cartAbandoned: draft.cartAbandoned,
      }),
    );

  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack gap="300" wrap>
          <TextField
            label="From"
            type="date"
            autoComplete="off"
            value={draft.from}
            onChange={set("from")}
          />
          <TextField
            label="To"
            type="date"
            autoComplete="off"
            value={draft.to}
            onChange={set("to")}
          />
          <Select
            label="Device"
            options={DEVICE_OPTIONS}
            value={draft.device}
            onChange={set("device")}
          />
          <Select
            label="Friction"
            options={SIGNAL_OPTIONS}
            value={draft.signal}
            onChange={set("signal")}
          />
        </InlineStack>
        <InlineStack gap="300" wrap>
          <TextField
            label="Page viewed"
            placeholder="/products/linen-shirt"
            autoComplete="off"
            value={draft.path}
            onChange={set("path")}
          />
          <TextField
            label="Element clicked"
            placeholder="#add-to-cart"
            autoComplete="off"
            value={draft.selector}
            onChange={set("selector")}
          />
          <TextField
            label="Longer than (s)"
            type="number"
            min={0}
            autoComplete="off"
            value={draft.minDurationSeconds}
            onChange={set("minDurationSeconds")}
          />
          <TextField
            label="Revenue at least"
            type="number"
            min={0}
            autoComplete="off"
            value={draft.minRevenue}
            onChange={set("minRevenue")}
          />
        </InlineStack>
        <Checkbox
          label="Added to cart without ordering"
          checked={draft.cartAbandoned}
          onChange={set("cartAbandoned")}
        />
        <InlineStack gap="200">
          <Button variant="primary" onClick={apply}>
            Apply filters
          </Button>
          <Button url="/app/recordings">Clear</Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

/** Links to the older and newer pages, keeping the filters. */
function RecordingsPagination(props: {
  filters: RecordingFilters;
  page: Omit<RecordingPage, "rows">;
  rowCount: number;
}) {
  const { filters, page, rowCount } = props;
  const last = page.firstPosition + rowCount - 1;
  return (
    <Box padding="300" borderBlockStartWidth="025" borderColor="border">
      <InlineStack align="center">
        <Pagination
          hasPrevious={page.hasPrevious}
          previousURL={recordingsUrl(
            filters,
            page.previous ? { before: page.previous } : undefined,
          )}
          hasNext={page.next !== null}
          nextURL={
            page.next ? recordingsUrl(filters, { after: page.next }) : undefined
          }
          label={`${page.firstPosition}–${last} of ${page.total.toLocaleString("en-US")}`}
        />
      </InlineStack>
    </Box>
  );
}

export default function Recordings() {
  const { filters, recordings, settings, currency } =
    useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();

  return (
    <Page title="Recordings" subtitle={`${filters.from} to ${filters.to}`}>
      <Layout>
        <Layout.Section>
          <RecordingFiltersCard filters={filters} />
        </Layout.Section>
        <Layout.Section>
          {recordings.rows.length === 0 ? (
            <Card>
              <EmptyState heading="No recordings match" image="">
                {recordings.hasPrevious ? (
                  <BlockStack gap="200" inlineAlign="center">
                    <p>
                      This page is past the end of the list. The recordings on
                      it may have been deleted.
                    </p>
                    <Button url={recordingsUrl(filters)}>
                      Go to the first page
                    </Button>
                  </BlockStack>
                ) : (
                  <p>
                    Recordings appear once shoppers who allowed analytics visit
                    the store. Widen the dates or clear the filters, or raise
                    the share of sessions recorded below.
                  </p>
                )}
              </EmptyState>
            </Card>
          ) : (
            <Card padding="0">
              <DataTable
                columnContentTypes={[
                  "text",
                  "text",
                  "text",
                  "numeric",
                  "numeric",
                  "text",
                  "numeric",
                ]}
                headings={[
                  "Started",
                  "Device",
                  "Landing page",
                  "Duration",
                  "Pages",
                  "Friction",
                  "Revenue",
                ]}
                rows={recordings.rows.map((row) => [
                  <Link
                    key={row.sessionId}
                    to={`/app/recordings/${row.sessionId}`}
                    data-testid="recording-link"
                  >
                    {new Date(row.startedAt)
                      .toISOString()
                      .slice(0, 16)
                      .replace("T", " ")}{" "}
                    UTC
                  </Link>,
                  row.device,
                  row.landingPath ?? "–",
                  formatDuration(row.durationMs),
                  row.pages,
                  <InlineStack key="friction" gap="100">
                    {row.rageClicks > 0 ? (
                      <Badge tone="critical">{`${row.rageClicks} rage`}</Badge>
                    ) : null}
                    {row.deadClicks > 0 ? (
                      <Badge tone="warning">{`${row.deadClicks} dead`}</Badge>
                    ) : null}
                    {row.addedToCart && Number(row.revenue) === 0 ? (
                      <Badge>Cart abandoned</Badge>
                    ) : null}
                    {row.reason === "friction" ? (
                      <Badge tone="info">Friction buffer</Badge>
                    ) : null}
                  </InlineStack>,
                  formatMoney(row.revenue, currency),
                ])}
              />
              <RecordingsPagination
                filters={filters}
                page={recordings}
                rowCount={recordings.rows.length}
              />
            </Card>
          )}
        </Layout.Section>
        <Layout.Section>
          <RecordingSettingsCard
            settings={settings}
            error={actionData?.error ?? undefined}
            saved={actionData?.saved ?? false}
          />
        </Layout.Section>
        <Layout.Section>
          <Text as="p" tone="subdued">
            Every form field is masked in the shopper&apos;s browser and again
            before storage; payment fields are never recorded.
          </Text>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
