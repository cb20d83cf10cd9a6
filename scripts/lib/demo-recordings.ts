// Demo session replays: real Chromium visits to the demo storefront, so
// /app/recordings has something to play. The demo shop records every
// visit, including the ones a person makes while trying the demo.

import pg from "pg";
import { HAS_CHROMIUM, launchChromium } from "../../test/support/browser";
import { playShopper, type ShopperJourney } from "./replay-shopper";

const DEMO_SHOP_ID = "demo-shop";
const JOURNEYS: ShopperJourney[] = [
  "rage-on-zoom",
  "cart-note",
  "browse-and-buy",
];

/**
 * Records one visit per journey, all at once in separate browser contexts.
 * Returns the recordings stored, or 0 when Chromium is not installed.
 */
export async function seedDemoRecordings(options: {
  storefrontUrl: string;
  databaseUrl: string;
}): Promise<number> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "RecordingSettings" ("shopId", "sampleRate", "updatedAt")
       VALUES ($1, 1, now())
       ON CONFLICT ("shopId") DO UPDATE SET "sampleRate" = 1, "updatedAt" = now()`,
      [DEMO_SHOP_ID],
    );
    if (!HAS_CHROMIUM) {
      console.log(
        "Chromium not found: no demo recordings (set CHROMIUM_PATH to add them).",
      );
      return 0;
    }
    process.stdout.write("Recording demo sessions in Chromium... ");
    const browser = await launchChromium();
    try {
      await Promise.all(
        JOURNEYS.map(async (journey) => {
          const context = await browser.newContext({
            viewport: { width: 1280, height: 800 },
          });
          const page = await context.newPage();
          await playShopper(page, options.storefrontUrl, journey, 700);
          // Leaving the page uploads the last chunk.
          await page.goto("about:blank");
          await context.close();
        }),
      );
    } finally {
      await browser.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stored = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Recording" WHERE "shopId" = $1`,
      [DEMO_SHOP_ID],
    );
    console.log(`${stored.rows[0].n} recordings stored.`);
    return stored.rows[0].n;
  } finally {
    await client.end();
  }
}
