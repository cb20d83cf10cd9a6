import { randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import type {
  BatchPayload,
  ClickOutcome,
  ClickPayload,
} from "../../app/ingest/payload-types";
import { DEMO_SHOP_DOMAIN } from "../../app/demo.server";
import { demoUserAgent } from "./demo-traffic";
import { freePort } from "./embedded-postgres";
import { startMailbox, type Mailbox } from "./mailbox";

// Alerts in the demo: a local mailbox that the app emails through, and a
// burst of rage clicks on the cart's "Check out" button, so that a
// friction alert reaches the inbox and the mailbox after seeding.

const DEMO_RECIPIENT = "merchant@storelens-demo.test";
/** Shoppers in the burst; the default alert threshold is 5. */
const BURST_SHOPPERS = 8;
const CHECKOUT = { selector: "#checkout", x: 1092, y: 751 };
const NO_REACTION: ClickOutcome = {
  targetKind: "button",
  opensNewTab: false,
  domChangeMs: null,
  scrollMs: null,
  selectionChangeMs: null,
  navigationMs: null,
  visibilityChangeMs: null,
  focusChangeMs: null,
  hidden: false,
};

/**
 * Starts the demo mailbox on a free 127.0.0.1 port, storing each message
 * as an .eml file under `.data/mailbox/`, and points SMTP_URL at it. Call
 * before the app starts, which reads SMTP_URL once.
 */
export async function startDemoMailbox(root: string): Promise<Mailbox> {
  const dir = path.join(root, ".data", "mailbox");
  const mailbox = await startMailbox({ port: await freePort(), dir });
  process.env.SMTP_URL = mailbox.url;
  process.env.SMTP_FROM = "Storelens demo <alerts@storelens-demo.test>";
  console.log(
    `Demo mailbox on ${mailbox.url}: alert emails are saved in ${dir}`,
  );
  return mailbox;
}

function burstBatch(origin: string, now: number, index: number): BatchPayload {
  const startedAt = now - (BURST_SHOPPERS - index) * 60_000;
  const page = {
    id: randomUUID(),
    path: "/cart",
    title: "Your cart | Fernwood",
    referrer: `${origin}/products/linen-shirt`,
    startedAt,
    viewportWidth: 1440,
    viewportHeight: 900,
    device: "desktop" as const,
  };
  const clicks: ClickPayload[] = [0, 300, 600].map((offset) => ({
    type: "click",
    page: page.id,
    at: startedAt + 8_000 + offset,
    x: CHECKOUT.x,
    y: CHECKOUT.y,
    viewportWidth: 1440,
    viewportHeight: 900,
    selector: CHECKOUT.selector,
    offsetX: 0.5,
    offsetY: 0.5,
    fixed: false,
    touch: false,
    outcome: NO_REACTION,
  }));
  return {
    v: 1,
    batchId: randomUUID(),
    shop: DEMO_SHOP_DOMAIN,
    visitorId: randomUUID(),
    sessionId: randomUUID(),
    sentAt: startedAt + 10_000,
    pages: [page],
    events: clicks,
  };
}

/**
 * Gives the demo shop an email address for alerts and posts a burst of
 * rage clicks on "Check out" through the ingest endpoint, as shoppers on a
 * broken checkout button would. The friction job picks it up within a
 * minute, and the alert jobs raise the alert and email it.
 */
export async function sendDemoFrictionBurst(options: {
  databaseUrl: string;
  ingestUrl: string;
  origin: string;
}): Promise<void> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "AlertSettings" ("shopId", "shopEmail", "updatedAt")
       SELECT id, $2, now() FROM "Shop" WHERE domain = $1
       ON CONFLICT ("shopId") DO UPDATE
         SET "shopEmail" = COALESCE("AlertSettings"."shopEmail", $2)`,
      [DEMO_SHOP_DOMAIN, DEMO_RECIPIENT],
    );
  } finally {
    await client.end();
  }

  const now = Date.now();
  for (let index = 0; index < BURST_SHOPPERS; index += 1) {
    const batch = burstBatch(options.origin, now, index);
    const response = await fetch(options.ingestUrl, {
      method: "POST",
      headers: {
        "Content-Type": "text/plain",
        Origin: options.origin,
        "User-Agent": demoUserAgent(batch),
      },
      // The endpoint shifts event times by (receipt time - sentAt), so the
      // real send time keeps the clicks minutes in the past.
      body: JSON.stringify({ ...batch, sentAt: Date.now() }),
    });
    if (!response.ok) {
      throw new Error(
        `Posting the demo rage-click burst failed: ${response.status} ${await response.text()}`,
      );
    }
  }
  console.log(
    `Sent ${BURST_SHOPPERS} shoppers' rage clicks on the cart's Check out button; ` +
      `an alert should reach /app/inbox and ${DEMO_RECIPIENT} in .data/mailbox within about three minutes.`,
  );
}
