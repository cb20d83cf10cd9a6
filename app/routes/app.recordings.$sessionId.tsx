import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import playerStyles from "rrweb-player/dist/style.css";
import { z } from "zod";
import { requireAdmin } from "~/auth.server";
import { plural } from "~/components/format";
import { ReplayPlayer } from "~/components/replay-player";
import { pool } from "~/db.server";
import { loadReplay } from "~/replay/recording-events.server";

export const links = () => [{ rel: "stylesheet", href: playerStyles }];

export const meta = () => [{ title: "Recording · Storelens" }];

const STOP_REASONS: Record<string, string> = {
  size: "The recording reached its size limit and stopped early.",
  rejected: "The server stopped accepting this recording.",
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const sessionId = z.guid().safeParse(params.sessionId);
  if (!sessionId.success) {
    throw new Response("Recording not found", { status: 404 });
  }
  const [replay, recording] = await Promise.all([
    loadReplay(pool, shop.id, sessionId.data),
    pool.query<{
      stoppedReason: string | null;
      startedAt: Date;
      device: string;
    }>(
      `SELECT r."stoppedReason", r."startedAt", v.device
       FROM "Recording" r
       JOIN "VisitorSession" v ON v."shopId" = r."shopId" AND v.id = r."sessionId"
       WHERE r."shopId" = $1 AND r."sessionId" = $2`,
      [shop.id, sessionId.data],
    ),
  ]);
  if (!replay || recording.rowCount === 0) {
    throw new Response("Recording not found", { status: 404 });
  }
  return { sessionId: sessionId.data, ...replay, ...recording.rows[0] };
}

export default function RecordingPlayer() {
  const data = useLoaderData<typeof loader>();
  const stopped = data.stoppedReason
    ? (STOP_REASONS[data.stoppedReason] ?? "The recording stopped early.")
    : null;

  return (
    <Page
      title="Recording"
      subtitle={`${new Date(data.startedAt).toISOString().slice(0, 16).replace("T", " ")} UTC · ${data.device}`}
      backAction={{ content: "Recordings", url: "/app/recordings" }}
    >
      <Layout>
        {data.missing.stylesheets > 0 || data.missing.frames > 0 ? (
          <Layout.Section>
            <Banner tone="warning" title="Parts of the page were not captured">
              <p data-testid="replay-missing">
                {[
                  data.missing.stylesheets > 0
                    ? `${plural(data.missing.stylesheets, "stylesheet", "stylesheets")} could not be read by the recorder and load from the store, so the page may look unstyled.`
                    : "",
                  data.missing.frames > 0
                    ? `${plural(data.missing.frames, "embedded frame", "embedded frames")} show as hatched boxes.`
                    : "",
                ].join(" ")}
              </p>
            </Banner>
          </Layout.Section>
        ) : null}
        {data.skipped.length > 0 || stopped ? (
          <Layout.Section>
            <Banner tone="info" title="Some of this recording is missing">
              <BlockStack gap="100">
                {stopped ? <p>{stopped}</p> : null}
                {data.skipped.map((skip) => (
                  <p key={`${skip.pageViewId}-${skip.seq}-${skip.reason}`}>
                    {`Part ${skip.seq + 1} of a page view was skipped: ${skip.reason}.`}
                  </p>
                ))}
              </BlockStack>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            {data.events.length === 0 ? (
              <Text as="p">
                Nothing in this recording can be played: no page snapshot
                arrived.
              </Text>
            ) : (
              <ReplayPlayer events={data.events} markers={data.markers} />
            )}
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
