import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import {
  Form,
  useActionData,
  useLoaderData,
  useNavigation,
} from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  Checkbox,
  FormLayout,
  InlineGrid,
  Layout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { ALERT_KIND_LABELS, ALERT_KINDS } from "~/alerts/alert-kinds";
import {
  formatMinute,
  parseSettingsForm,
  type SettingsFieldErrors,
} from "~/alerts/alert-settings";
import { appMailer } from "~/alerts/mailer.server";
import { loadPreferences, savePreferences } from "~/alerts/settings.server";
import { requireAdmin } from "~/auth.server";

export const meta = () => [{ title: "Alert settings · Storelens" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const preferences = await loadPreferences(shop.id);
  return {
    timezone: shop.timezone,
    emailConfigured: appMailer() !== null,
    shopEmail: preferences.shopEmail,
    values: {
      recipients: preferences.recipients.join("\n"),
      emailEnabled: preferences.emailEnabled,
      quietStart: formatMinute(preferences.quietStartMinute),
      quietEnd: formatMinute(preferences.quietEndMinute),
      dailyEmailCap: String(preferences.dailyEmailCap),
      weeklyDigest: preferences.weeklyDigestEnabled,
      frictionMinSessions: String(preferences.frictionMinSessions),
      frictionSpikeRatio: String(preferences.frictionSpikeRatio),
      dropMinPercent: String(preferences.dropMinPercent),
      dropMinSessions: String(preferences.dropMinSessions),
      enabledKinds: ALERT_KINDS.filter(
        (kind) => !preferences.mutedKinds.includes(kind),
      ),
    },
  };
}

type ActionResult =
  { saved: true; errors: null } | { saved: false; errors: SettingsFieldErrors };

export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const result = parseSettingsForm(await request.formData());
  if (!result.ok) {
    // Nothing is stored unless every field is valid.
    return data<ActionResult>(
      { saved: false, errors: result.errors },
      { status: 400 },
    );
  }
  await savePreferences(shop.id, result.preferences);
  return data<ActionResult>({ saved: true, errors: null });
}

export default function Settings() {
  const { timezone, emailConfigured, shopEmail, values } =
    useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const navigation = useNavigation();
  const errors: SettingsFieldErrors = result?.errors ?? {};
  const [form, setForm] = useState(values);
  const field = (name: keyof typeof values) => ({
    name,
    value: String(form[name]),
    onChange: (value: string) => setForm({ ...form, [name]: value }),
    error: errors[name],
    autoComplete: "off",
  });
  const toggleKind = (kind: (typeof ALERT_KINDS)[number], on: boolean) =>
    setForm({
      ...form,
      enabledKinds: on
        ? [...form.enabledKinds, kind]
        : form.enabledKinds.filter((k) => k !== kind),
    });

  return (
    <Page title="Alert settings" backAction={{ url: "/app/inbox" }}>
      <Form method="post">
        <Layout>
          {result?.saved ? (
            <Layout.Section>
              <Banner tone="success" title="Settings saved" />
            </Layout.Section>
          ) : null}
          {result && !result.saved ? (
            <Layout.Section>
              <Banner tone="critical" title="Settings not saved">
                <p>Fix the fields marked below and save again.</p>
              </Banner>
            </Layout.Section>
          ) : null}
          {!emailConfigured ? (
            <Layout.Section>
              <Banner tone="warning" title="Email is not set up">
                <p>
                  The server has no SMTP_URL, so alerts appear in the inbox
                  only.
                </p>
              </Banner>
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <Card>
              <FormLayout>
                <Text as="h2" variant="headingMd">
                  Email
                </Text>
                <Checkbox
                  label="Email me new alerts"
                  name="emailEnabled"
                  value="on"
                  checked={form.emailEnabled}
                  onChange={(on) => setForm({ ...form, emailEnabled: on })}
                />
                <TextField
                  label="Recipients"
                  multiline={3}
                  helpText={`One address per line, at most 10. Empty sends to the shop's email${shopEmail ? ` (${shopEmail})` : ""}.`}
                  {...field("recipients")}
                />
                <InlineGrid columns={2} gap="400">
                  <TextField
                    label="Quiet hours start"
                    placeholder="21:00"
                    helpText={`HH:MM in the shop's time zone (${timezone}). Emails wait until quiet hours end.`}
                    {...field("quietStart")}
                  />
                  <TextField
                    label="Quiet hours end"
                    placeholder="08:00"
                    {...field("quietEnd")}
                  />
                </InlineGrid>
                <TextField
                  label="Alert emails per day at most"
                  type="number"
                  helpText="Alerts past the limit stay in the inbox."
                  {...field("dailyEmailCap")}
                />
                <Checkbox
                  label="Email me a weekly digest"
                  name="weeklyDigest"
                  value="on"
                  helpText={`Mondays at 09:00 (${timezone}), or when quiet hours end, for weeks with alerts. Goes to the recipients above, even when alert emails are off.`}
                  checked={form.weeklyDigest}
                  error={errors.weeklyDigest}
                  onChange={(on) => setForm({ ...form, weeklyDigest: on })}
                />
              </FormLayout>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card>
              <FormLayout>
                <Text as="h2" variant="headingMd">
                  Alert kinds
                </Text>
                {ALERT_KINDS.map((kind) => (
                  <Checkbox
                    key={kind}
                    label={ALERT_KIND_LABELS[kind]}
                    name="enabledKinds"
                    value={kind}
                    checked={form.enabledKinds.includes(kind)}
                    onChange={(on) => toggleKind(kind, on)}
                  />
                ))}
                {errors.enabledKinds ? (
                  <Text as="p" tone="critical">
                    {errors.enabledKinds}
                  </Text>
                ) : null}
              </FormLayout>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card>
              <FormLayout>
                <Text as="h2" variant="headingMd">
                  Thresholds
                </Text>
                <TextField
                  label="Shoppers affected before friction alerts"
                  type="number"
                  helpText="Shoppers who meet rage or dead clicks on one element in one day."
                  {...field("frictionMinSessions")}
                />
                <TextField
                  label="Friction spike ratio"
                  helpText="How many times the usual share of shoppers counts as a spike, e.g. 3."
                  {...field("frictionSpikeRatio")}
                />
                <TextField
                  label="Drop in RPS or conversion, in percent"
                  type="number"
                  helpText="Compared with the same weekday of the four weeks before."
                  {...field("dropMinPercent")}
                />
                <TextField
                  label="Sessions a day before drops are judged"
                  type="number"
                  helpText="Days with fewer sessions are too noisy to alert on."
                  {...field("dropMinSessions")}
                />
              </FormLayout>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Button
              submit
              variant="primary"
              loading={navigation.state === "submitting"}
            >
              Save
            </Button>
          </Layout.Section>
        </Layout>
      </Form>
    </Page>
  );
}
