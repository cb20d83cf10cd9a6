import { BlockStack, Card, Text } from "@shopify/polaris";

/** Shows one headline number with the sample it rests on. */
export function MetricCard(props: {
  label: string;
  value: string;
  sample?: string;
}) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm" tone="subdued">
          {props.label}
        </Text>
        <Text as="p" variant="headingXl">
          {props.value}
        </Text>
        {props.sample ? (
          <Text as="p" variant="bodySm" tone="subdued">
            {props.sample}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}
