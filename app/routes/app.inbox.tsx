import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import {
  Form,
  Link,
  useLoaderData,
  useNavigation,
  useSearchParams,
} from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  DataTable,
  EmptyState,
  InlineStack,
  Layout,
  Page,
  Tabs,
  Text,
} from "@shopify/polaris";
import { z } from "zod";
import {
  ALERT_KIND_LABELS,
  ALERT_KINDS,
  type AlertKind,
  type Severity,
} from "~/alerts/alert-kinds";
import {
  listAlerts,
  markAllRead,
  setAlertsRead,
  snoozeAlert,
  unreadAlertCount,
  weeklyDigest,
  type InboxAlert,
  type InboxView,
  type WeeklyDigest,
} from "~/alerts/inbox.server";
import { loadPreferences, muteKind } from "~/alerts/settings.server";
import { requireAdmin } from "~/auth.server";
import { formatMoney, plural } from "~/components/format";

export const meta = () => [{ title: "Inbox · Storelens" }];

const VIEWS = [
  { id: "open", content: "Open" },
  { id: "snoozed", content: "Snoozed" },
  { id: "all", content: "All" },
  { id: "digest", content: "Weekly digest" },
] as const;
type ViewId = (typeof VIEWS)[number]["id"];

const SNOOZE_DAYS = [1, 7] as const;

const SEVERITY_TONES: Record<Severity, "critical" | "warning" | "info"> = {
  critical: "critical",
  warning: "warning",
  info: "info",
};

const alertId = z
  .string({ error: "The alert id is missing." })
  .regex(/^\d{1,18}$/, { error: "The alert id must be a number." })
  .transform((value) => BigInt(value));

const actionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("read"), id: alertId }),
  z.object({ intent: z.literal("unread"), id: alertId }),
  z.object({ intent: z.literal("read-all") }),
  z.object({
    intent: z.literal("snooze"),
    id: alertId,
    days: z.enum(["1", "7"], { error: "Snooze for 1 or 7 days." }),
  }),
  z.object({ intent: z.literal("unsnooze"), id: alertId }),
  z.object({
    intent: z.literal("mute"),
    kind: z.enum(ALERT_KINDS, { error: "This kind of alert cannot be muted." }),
  }),
]);

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const requested = new URL(request.url).searchParams.get("view");
  const view: ViewId = VIEWS.find((v) => v.id === requested)?.id ?? "open";
  const preferences = await loadPreferences(shop.id);
  const muted = preferences.mutedKinds.map(
    (kind) => ALERT_KIND_LABELS[kind as AlertKind] ?? kind,
  );
  const now = new Date();
  const unread = await unreadAlertCount(shop.id, now);
  const page = { view, unread, muted, now: now.getTime() };

  if (view === "digest") {
    return { ...page, alerts: [], digest: await weeklyDigest(shop, now) };
  }
  const alerts = await listAlerts(shop.id, view as InboxView, now);
  return { ...page, alerts, digest: null };
}

export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const form = await request.formData();
  const parsed = actionSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    return data(
      { error: parsed.error.issues[0]?.message ?? "Invalid request." },
      { status: 400 },
    );
  }

  const input = parsed.data;
  let changed = 0;
  switch (input.intent) {
    case "read":
    case "unread":
      changed = await setAlertsRead(
        shop.id,
        [input.id],
        input.intent === "read",
      );
      break;
    case "read-all":
      await markAllRead(shop.id);
      return { error: null };
    case "snooze": {
      const until = new Date(Date.now() + Number(input.days) * 86_400_000);
      changed = await snoozeAlert(shop.id, input.id, until);
      break;
    }
    case "unsnooze":
      changed = await snoozeAlert(shop.id, input.id, null);
      break;
    case "mute":
      await muteKind(shop.id, input.kind);
      return { error: null };
  }
  if (changed === 0) {
    return data({ error: "That alert was not found." }, { status: 404 });
  }
  return { error: null };
}

/** Renders a button that posts one inbox action with its fields. */
function ActionButton(props: {
  intent: string;
  fields: Record<string, string>;
  label: string;
  plain?: boolean;
}) {
  const navigation = useNavigation();
  return (
    <Form method="post">
      <input type="hidden" name="intent" value={props.intent} />
      {Object.entries(props.fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button
        submit
        variant={props.plain ? "plain" : undefined}
        disabled={navigation.state !== "idle"}
      >
        {props.label}
      </Button>
    </Form>
  );
}

function AlertCard({ alert, now }: { alert: InboxAlert; now: number }) {
  const failed = alert.emails.filter((email) => email.status === "failed");
  const skipped = alert.emails.filter((email) => email.status === "skipped");
  const sent = alert.emails.filter((email) => email.status === "sent");
  const snoozed =
    alert.snoozedUntil !== null && Date.parse(alert.snoozedUntil) > now;
  const id = { id: alert.id };

  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Badge tone={SEVERITY_TONES[alert.severity as Severity]}>
            {alert.severity}
          </Badge>
          <Text as="span" tone="subdued">
            {alert.kindLabel} · {alert.period}
          </Text>
          {alert.read ? null : <Badge tone="attention">Unread</Badge>}
          {snoozed ? (
            <Badge>{`Snoozed until ${alert.snoozedUntil!.slice(0, 10)}`}</Badge>
          ) : null}
        </InlineStack>
        <Text as="h2" variant="headingMd">
          {alert.title}
        </Text>
        <Text as="p">{alert.summary}</Text>
        {alert.revenueAtStake !== null ? (
          <Text as="p" fontWeight="semibold">
            Revenue at stake (estimate):{" "}
            {formatMoney(alert.revenueAtStake, alert.currency)}
          </Text>
        ) : null}
        <InlineStack gap="300">
          {alert.evidence.map((link) => (
            <Link key={link.path} to={link.path}>
              {link.label}
            </Link>
          ))}
        </InlineStack>
        {sent.length > 0 ? (
          <Text as="p" tone="subdued">
            Emailed to {sent.map((email) => email.recipient).join(", ")}.
          </Text>
        ) : null}
        {skipped.map((email) => (
          <Text as="p" tone="subdued" key={email.recipient}>
            Not emailed to {email.recipient}: {email.error}
          </Text>
        ))}
        {failed.map((email) => (
          <Text as="p" tone="critical" key={email.recipient}>
            Email to {email.recipient} failed: {email.error}
          </Text>
        ))}
        <InlineStack gap="200" blockAlign="center">
          <ActionButton
            intent={alert.read ? "unread" : "read"}
            fields={id}
            label={alert.read ? "Mark unread" : "Mark read"}
          />
          {snoozed ? (
            <ActionButton intent="unsnooze" fields={id} label="Unsnooze" />
          ) : (
            SNOOZE_DAYS.map((days) => (
              <ActionButton
                key={days}
                intent="snooze"
                fields={{ ...id, days: String(days) }}
                label={`Snooze ${plural(days, "day", "days")}`}
              />
            ))
          )}
          {alert.kind !== "email-failed" ? (
            <ActionButton
              intent="mute"
              fields={{ kind: alert.kind }}
              label={`Mute "${alert.kindLabel}" alerts`}
              plain
            />
          ) : null}
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

function Digest({ digest }: { digest: WeeklyDigest }) {
  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {`${digest.from} to ${digest.to}`}
          </Text>
          <Text as="p">
            {plural(digest.total, "alert", "alerts")}, with{" "}
            {formatMoney(digest.revenueAtStake, digest.currency)} of revenue at
            stake (estimate). Emails: {digest.emails.sent} sent,{" "}
            {digest.emails.pending} waiting, {digest.emails.skipped} not sent
            (settings, quiet hours or the daily limit), {digest.emails.failed}{" "}
            failed.
          </Text>
        </BlockStack>
      </Card>
      {digest.byKind.length > 0 ? (
        <Card padding="0">
          <DataTable
            columnContentTypes={["text", "numeric"]}
            headings={["Kind", "Alerts"]}
            rows={digest.byKind.map((row) => [row.label, row.count])}
          />
        </Card>
      ) : null}
      {digest.top.length > 0 ? (
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            Most revenue at stake
          </Text>
          {digest.top.map((alert) => (
            <Card key={alert.id}>
              <BlockStack gap="100">
                <Text as="p" fontWeight="semibold">
                  {alert.title}
                </Text>
                <Text as="p" tone="subdued">
                  {formatMoney(alert.revenueAtStake ?? 0, alert.currency)} at
                  stake ·{" "}
                  {alert.evidence[0] ? (
                    <Link to={alert.evidence[0].path}>
                      {alert.evidence[0].label}
                    </Link>
                  ) : null}
                </Text>
              </BlockStack>
            </Card>
          ))}
        </BlockStack>
      ) : null}
    </BlockStack>
  );
}

export default function Inbox() {
  const { view, unread, muted, alerts, digest, now } =
    useLoaderData<typeof loader>();
  const [, setSearchParams] = useSearchParams();
  const selected = VIEWS.findIndex((v) => v.id === view);

  return (
    <Page
      title="Inbox"
      subtitle={plural(unread, "unread alert", "unread alerts")}
      secondaryActions={[{ content: "Alert settings", url: "/app/settings" }]}
    >
      <Layout>
        <Layout.Section>
          <Tabs
            tabs={VIEWS.map((v) => ({ id: v.id, content: v.content }))}
            selected={selected}
            onSelect={(index) => setSearchParams({ view: VIEWS[index].id })}
          />
        </Layout.Section>
        {muted.length > 0 ? (
          <Layout.Section>
            <Text as="p" tone="subdued">
              Muted: {muted.join(", ")}. Turn them back on in{" "}
              <Link to="/app/settings">alert settings</Link>.
            </Text>
          </Layout.Section>
        ) : null}
        {unread > 0 && view !== "digest" ? (
          <Layout.Section>
            <ActionButton intent="read-all" fields={{}} label="Mark all read" />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          {digest ? (
            <Digest digest={digest} />
          ) : alerts.length === 0 ? (
            <Card>
              <EmptyState heading="No alerts here" image="">
                <p>
                  Storelens checks for new friction every minute and for drops
                  in revenue per session and conversion every day. Alerts appear
                  here and by email.
                </p>
              </EmptyState>
            </Card>
          ) : (
            <BlockStack gap="400">
              {alerts.map((alert) => (
                <AlertCard key={alert.id} alert={alert} now={now} />
              ))}
            </BlockStack>
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}
