import { Form, useRevalidator } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  InlineStack,
  Text,
} from "@shopify/polaris";
import { useEffect } from "react";

/** How often the page refreshes while an import runs. */
const PROGRESS_REFRESH_MS = 3_000;

interface BackfillView {
  status: "pending" | "running" | "done" | "failed";
  imported: number;
  since: string;
  error: string | null;
  finishedAt: string | null;
}

const TONES = {
  pending: "info",
  running: "info",
  done: "success",
  failed: "critical",
} as const;

/**
 * Progress of the import of past orders, refreshed while it runs, with a
 * button to start it again.
 */
export function BackfillCard(props: {
  backfill: BackfillView | null;
  /** In demo mode there is no Admin API; orders arrive as webhooks. */
  demo: boolean;
}) {
  const { backfill, demo } = props;
  const revalidator = useRevalidator();
  const active =
    backfill?.status === "pending" || backfill?.status === "running";

  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, PROGRESS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [active, revalidator]);

  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Order history
          </Text>
          {backfill ? (
            <Badge tone={TONES[backfill.status]}>{backfill.status}</Badge>
          ) : null}
        </InlineStack>
        {backfill ? (
          <Text as="p" data-testid="backfill-progress">
            {backfill.imported.toLocaleString("en-US")} orders imported since{" "}
            {backfill.since.slice(0, 10)}
            {backfill.status === "done" && backfill.finishedAt
              ? `, finished ${backfill.finishedAt.slice(0, 16).replace("T", " ")} UTC`
              : ""}
            .
          </Text>
        ) : (
          <Text as="p">
            Orders placed before Storelens was installed are not imported yet.
          </Text>
        )}
        {backfill?.status === "failed" && backfill.error ? (
          <Text as="p" tone="critical">
            The import stopped: {backfill.error}. It resumes where it stopped
            when you start it again.
          </Text>
        ) : null}
        {demo ? (
          <Text as="p" tone="subdued">
            The demo shop has no Shopify Admin API to import from; its orders
            arrive as signed order webhooks.
          </Text>
        ) : (
          <Form method="post">
            <input type="hidden" name="intent" value="backfill" />
            <Button submit disabled={active}>
              {backfill
                ? "Import the last 60 days again"
                : "Import the last 60 days"}
            </Button>
          </Form>
        )}
      </BlockStack>
    </Card>
  );
}
