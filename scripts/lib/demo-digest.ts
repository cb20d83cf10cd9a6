import pg from "pg";
import type { DigestShop } from "../../app/alerts/weekly-digest.server";
import { DEMO_SHOP_DOMAIN } from "../../app/demo.server";

// The weekly digest in the demo. The demo's alerts fall in the current
// week, whose digest is due only next Monday. So once the first alert is
// stored, this queues the current week's digest early in the app's own
// outbox, and the app's email job sends it to the demo mailbox within a
// minute. The scheduled digest job then finds that week queued and sends
// no second digest for it.

/** How long to wait for the demo's first alert before giving up. */
const ALERT_WAIT_MS = 5 * 60_000;
const POLL_MS = 5_000;

/**
 * Starts waiting, in the background, for the demo shop's first alert and
 * then queues the current week's digest. Errors are printed, not thrown,
 * so the demo keeps running without a digest.
 */
export function queueDemoDigestAfterFirstAlert(options: {
  databaseUrl: string;
}): void {
  queueDemoDigest(options.databaseUrl).catch((error: Error) => {
    console.error(`Queueing the demo weekly digest failed: ${error.message}`);
  });
}

async function queueDemoDigest(databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 1,
    options: "-c TimeZone=UTC",
  });
  // When the demo stops before its alert, PostgreSQL ends this pool's idle
  // connection, and an unheard pool error would crash the process.
  pool.on("error", (error) => {
    console.error(`Demo digest connection ended: ${error.message}`);
  });
  try {
    const shop = await waitForAlertedShop(pool);
    if (!shop) {
      console.log(
        "No demo alert within five minutes, so no weekly digest was queued.",
      );
      return;
    }
    // Loaded here, after the demo has set the app's environment.
    const { appMailer } = await import("../../app/alerts/mailer.server");
    const { enqueueShopDigest } =
      await import("../../app/alerts/weekly-digest.server");
    const mailer = appMailer();
    if (!mailer) throw new Error("SMTP_URL is not set for the demo app.");
    const queued = await enqueueShopDigest(pool, mailer, shop, new Date());
    console.log(
      queued
        ? `Queued this week's alert digest (week of ${shop.week}); it reaches .data/mailbox within a minute.`
        : `This week's alert digest (week of ${shop.week}) was already queued.`,
    );
  } finally {
    await pool.end();
  }
}

/** Polls until the demo shop has an alert this week; null on time-out. */
async function waitForAlertedShop(pool: pg.Pool): Promise<DigestShop | null> {
  const deadline = Date.now() + ALERT_WAIT_MS;
  while (Date.now() < deadline) {
    const found = await pool.query<DigestShop>(
      `SELECT s.id, s.domain, s.name, s.timezone, s.currency,
              to_char(date_trunc('week', now() AT TIME ZONE s.timezone),
                      'YYYY-MM-DD') AS week
       FROM "Shop" s
       WHERE s.domain = $1
         AND EXISTS (
           SELECT 1 FROM "Alert" a
           WHERE a."shopId" = s.id
             AND a.period >= to_char(
               date_trunc('week', now() AT TIME ZONE s.timezone),
               'YYYY-MM-DD'))`,
      [DEMO_SHOP_DOMAIN],
    );
    if (found.rows[0]) return found.rows[0];
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return null;
}
