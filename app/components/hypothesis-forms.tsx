import { Form, useNavigation } from "@remix-run/react";
import {
  BlockStack,
  Button,
  Card,
  FormLayout,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import type { Arm, HypothesisState } from "~/experiments/hypothesis-schema";
import { HYPOTHESIS_STATES } from "~/experiments/hypothesis-schema";
import { STATE_LABELS } from "./hypothesis-labels";

interface FieldError {
  field: string;
  message: string;
}

function errorFor(error: FieldError | undefined, field: string) {
  return error?.field === field ? error.message : undefined;
}

/** Sets how the hypothesis is tested: an A/B test or a before/after comparison. */
export function TestSettingsForm(props: {
  hypothesis: {
    mode: string;
    experimentKey: string | null;
    changedAt: string | null;
    relativeEffect: number;
    alpha: number;
    power: number;
  };
  arms: Arm[];
  error?: FieldError;
}) {
  const { hypothesis, error } = props;
  const submitting = useNavigation().state === "submitting";
  const [mode, setMode] = useState(hypothesis.mode);
  const [key, setKey] = useState(hypothesis.experimentKey ?? "");
  const [variants, setVariants] = useState(
    props.arms.length > 0
      ? props.arms.map((arm) => `${arm.key}:${arm.weight}`).join(", ")
      : "control:50, treatment:50",
  );
  const [changedAt, setChangedAt] = useState(hypothesis.changedAt ?? "");
  const [effect, setEffect] = useState(String(hypothesis.relativeEffect));
  const [alpha, setAlpha] = useState(String(hypothesis.alpha));
  const [power, setPower] = useState(String(hypothesis.power));

  return (
    <Card>
      <Form method="post">
        <input type="hidden" name="intent" value="settings" />
        <FormLayout>
          <Text as="h2" variant="headingMd">
            Test
          </Text>
          <Select
            label="Design"
            name="mode"
            options={[
              { label: "A/B test (randomised)", value: "ab" },
              { label: "Before/after (not randomised)", value: "before_after" },
            ]}
            value={mode}
            onChange={setMode}
          />
          {mode === "ab" ? (
            <>
              <TextField
                label="Experiment key"
                name="experimentKey"
                helpText="The experiment name your theme publishes, e.g. Shopify.analytics.publish('experiment_viewed', { experiment: 'sticky-cart', variant: 'b' }), or ?sl_variant=sticky-cart:b"
                value={key}
                onChange={setKey}
                error={errorFor(error, "experimentKey")}
                autoComplete="off"
              />
              <TextField
                label="Variants and split"
                name="variants"
                helpText="Control first, each arm with its share of traffic from 0.01 to 100: control:50, b:50 for an equal split, control:10, b:90 for 1:9"
                value={variants}
                onChange={setVariants}
                error={errorFor(error, "variants")}
                autoComplete="off"
              />
            </>
          ) : (
            <TextField
              label="Day the change went live"
              name="changedAt"
              type="date"
              value={changedAt}
              onChange={setChangedAt}
              error={errorFor(error, "changedAt")}
              autoComplete="off"
            />
          )}
          <FormLayout.Group condensed>
            <TextField
              label="Minimum detectable effect"
              name="relativeEffect"
              helpText="Relative, 0.05 = 5%"
              value={effect}
              onChange={setEffect}
              error={errorFor(error, "relativeEffect")}
              autoComplete="off"
            />
            <TextField
              label="Significance level"
              name="alpha"
              value={alpha}
              onChange={setAlpha}
              error={errorFor(error, "alpha")}
              autoComplete="off"
            />
            <TextField
              label="Power"
              name="power"
              value={power}
              onChange={setPower}
              error={errorFor(error, "power")}
              autoComplete="off"
            />
          </FormLayout.Group>
          <Button submit variant="primary" loading={submitting}>
            Save and start
          </Button>
        </FormLayout>
      </Form>
    </Card>
  );
}

/** Moves the hypothesis on the board and records what it taught. */
export function StateForm(props: {
  state: HypothesisState;
  learning: string;
  error?: FieldError;
}) {
  const [state, setState] = useState<string>(props.state);
  const [learning, setLearning] = useState(props.learning);
  return (
    <Card>
      <Form method="post">
        <input type="hidden" name="intent" value="state" />
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Outcome
          </Text>
          <Select
            label="State"
            name="state"
            options={HYPOTHESIS_STATES.map((value) => ({
              label: STATE_LABELS[value],
              value,
            }))}
            value={state}
            onChange={setState}
          />
          <TextField
            label="Learning"
            name="learning"
            helpText="What the test taught; kept on the board for won, lost and inconclusive tests alike"
            value={learning}
            onChange={setLearning}
            error={errorFor(props.error, "learning")}
            multiline={3}
            autoComplete="off"
          />
          <Button submit>Save outcome</Button>
        </BlockStack>
      </Form>
    </Card>
  );
}
