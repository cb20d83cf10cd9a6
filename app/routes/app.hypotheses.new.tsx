import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import {
  Form,
  Link,
  useActionData,
  useLoaderData,
  useNavigation,
} from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  FormLayout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { requireAdmin } from "~/auth.server";
import { formatMoney } from "~/components/format";
import { pool, prisma } from "~/db.server";
import { draftFromEvidence } from "~/experiments/evidence.server";
import { firstIssue, hypothesisSchema } from "~/experiments/hypothesis-schema";

export const meta = () => [{ title: "New hypothesis · Storelens" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const draft = await draftFromEvidence(
    pool,
    shop,
    new URL(request.url).searchParams,
  );
  return { draft, currency: shop.currency };
}

export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const form = Object.fromEntries(await request.formData());
  const parsed = hypothesisSchema.safeParse(
    Object.fromEntries(
      Object.entries(form).filter(([, value]) => value !== ""),
    ),
  );
  if (!parsed.success) {
    return Response.json(firstIssue(parsed.error), { status: 400 });
  }
  const created = await prisma.hypothesis.create({
    data: { ...parsed.data, shopId: shop.id },
  });
  return redirect(`/app/hypotheses/${created.id}`);
}

export default function NewHypothesis() {
  const { draft, currency } = useLoaderData<typeof loader>();
  const error = useActionData<{ field: string; message: string }>();
  const submitting = useNavigation().state === "submitting";
  const [title, setTitle] = useState(draft.title);
  const [change, setChange] = useState("");
  const [expectedEffect, setExpectedEffect] = useState("");
  const [metric, setMetric] = useState("rps");
  const [pages, setPages] = useState(draft.pages.join(", "));
  const fieldError = (field: string) =>
    error?.field === field ? error.message : undefined;

  return (
    <Page title="New hypothesis" backAction={{ url: "/app/hypotheses" }}>
      <Form method="post">
        <BlockStack gap="400">
          {error &&
          !["title", "change", "expectedEffect", "pages"].includes(
            error.field,
          ) ? (
            <Banner tone="critical">{error.message}</Banner>
          ) : null}
          {draft.evidenceUrl ? (
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingSm">
                  Evidence
                </Text>
                <Link to={draft.evidenceUrl}>{draft.evidenceLabel}</Link>
                {draft.revenueAtStake > 0 ? (
                  <Text as="p" tone="subdued">
                    Revenue at stake (estimate):{" "}
                    {formatMoney(draft.revenueAtStake, currency)} per 30 days
                  </Text>
                ) : null}
              </BlockStack>
              <input
                type="hidden"
                name="evidenceKind"
                value={draft.evidenceKind ?? ""}
              />
              <input
                type="hidden"
                name="evidenceLabel"
                value={draft.evidenceLabel ?? ""}
              />
              <input
                type="hidden"
                name="evidenceUrl"
                value={draft.evidenceUrl}
              />
              <input
                type="hidden"
                name="revenueAtStake"
                value={draft.revenueAtStake}
              />
            </Card>
          ) : null}
          <Card>
            <FormLayout>
              <TextField
                label="Title"
                name="title"
                value={title}
                onChange={setTitle}
                error={fieldError("title")}
                autoComplete="off"
              />
              <TextField
                label="Change"
                name="change"
                helpText="What you will change, e.g. make the size selector a visible button row"
                value={change}
                onChange={setChange}
                error={fieldError("change")}
                multiline={2}
                autoComplete="off"
              />
              <TextField
                label="Expected effect"
                name="expectedEffect"
                helpText="What should happen, e.g. more shoppers add to cart on mobile"
                value={expectedEffect}
                onChange={setExpectedEffect}
                error={fieldError("expectedEffect")}
                multiline={2}
                autoComplete="off"
              />
              <Select
                label="Metric that decides"
                name="metric"
                options={[
                  { label: "Revenue per session (RPS)", value: "rps" },
                  { label: "Conversion rate", value: "conversion" },
                ]}
                value={metric}
                onChange={setMetric}
              />
              <TextField
                label="Pages affected"
                name="pages"
                helpText="Paths separated by commas; leave empty for the whole shop"
                value={pages}
                onChange={setPages}
                error={fieldError("pages")}
                autoComplete="off"
              />
              <Button submit variant="primary" loading={submitting}>
                Create hypothesis
              </Button>
            </FormLayout>
          </Card>
        </BlockStack>
      </Form>
    </Page>
  );
}
