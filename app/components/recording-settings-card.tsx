import { Form, useNavigation } from "@remix-run/react";
import {
  BlockStack,
  Button,
  Card,
  Checkbox,
  InlineError,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import type { RecordingSettingsValues } from "~/replay/recording-settings.server";

export interface RecordingSettingsCardProps {
  settings: RecordingSettingsValues;
  error?: { field: string; message: string };
  saved: boolean;
}

/** Sampling rate, friction capture, retention and masked selectors. */
export function RecordingSettingsCard({
  settings,
  error,
  saved,
}: RecordingSettingsCardProps) {
  const navigation = useNavigation();
  const [samplePercent, setSamplePercent] = useState(
    String(Math.round(settings.sampleRate * 1000) / 10),
  );
  const [retentionDays, setRetentionDays] = useState(
    String(settings.retentionDays),
  );
  const [frictionCapture, setFrictionCapture] = useState(
    settings.frictionCapture,
  );
  const [maskSelectors, setMaskSelectors] = useState(settings.maskSelectors);
  const errorFor = (field: string) =>
    error?.field === field ? error.message : undefined;

  return (
    <Card>
      <Form method="post" data-testid="recording-settings">
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            Recording settings
          </Text>
          <TextField
            label="Sessions recorded in full (%)"
            name="samplePercent"
            type="number"
            min={0}
            max={100}
            step={0.1}
            autoComplete="off"
            value={samplePercent}
            onChange={setSamplePercent}
            error={errorFor("samplePercent")}
            helpText="Share of visits recorded from their first page."
          />
          <input
            type="hidden"
            name="frictionCapture"
            value={frictionCapture ? "on" : "off"}
          />
          <Checkbox
            label="Record the 30 seconds before a rage or dead click"
            helpText="Other visits keep a short buffer in the shopper's browser and upload it only when friction happens."
            checked={frictionCapture}
            onChange={setFrictionCapture}
          />
          <TextField
            label="Keep recordings for (days)"
            name="retentionDays"
            type="number"
            min={1}
            max={365}
            autoComplete="off"
            value={retentionDays}
            onChange={setRetentionDays}
            error={errorFor("retentionDays")}
          />
          <TextField
            label="Masked elements (CSS selectors, one per line)"
            name="maskSelectors"
            multiline={3}
            autoComplete="off"
            value={maskSelectors}
            onChange={setMaskSelectors}
            error={errorFor("maskSelectors")}
            helpText="Text inside these elements is replaced by asterisks. Form fields are always masked and payment fields never recorded."
          />
          {error &&
          !["samplePercent", "retentionDays", "maskSelectors"].includes(
            error.field,
          ) ? (
            <InlineError message={error.message} fieldID="recording-settings" />
          ) : null}
          <Button
            submit
            variant="primary"
            loading={navigation.state === "submitting"}
          >
            Save
          </Button>
          {saved ? (
            <Text as="p" tone="success">
              Settings saved. New page views use them.
            </Text>
          ) : null}
        </BlockStack>
      </Form>
    </Card>
  );
}
