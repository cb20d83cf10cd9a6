import path from "node:path";
import pg from "pg";
import pino from "pino";
import { startAppServer, type AppServer } from "./app-server";
import {
  startStorefrontServer,
  type StorefrontServer,
} from "./storefront-server";

import { DEMO_SHOP_DOMAIN } from "../../app/demo.server";

export { DEMO_SHOP_DOMAIN };
const DEMO_SHOP_TIMEZONE = "America/New_York";

export interface DemoStack {
  app: AppServer;
  storefront: StorefrontServer;
  ingestUrl: string;
  close(): Promise<void>;
}

/**
 * Creates or refreshes the demo shop. Its storefront origin changes with the
 * storefront server's port, so it is written on every start.
 */
export async function ensureDemoShop(
  databaseUrl: string,
  storefrontOrigins: string[],
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "Shop" (id, domain, name, timezone, currency,
                           "storefrontOrigins", "updatedAt")
       VALUES ('demo-shop', $1, 'Storelens demo shop', $2, 'USD', $3, now())
       ON CONFLICT (domain) DO UPDATE SET
         "storefrontOrigins" = EXCLUDED."storefrontOrigins",
         "uninstalledAt" = NULL,
         "updatedAt" = now()`,
      [DEMO_SHOP_DOMAIN, DEMO_SHOP_TIMEZONE, storefrontOrigins],
    );
  } finally {
    await client.end();
  }
}

/** Builds the script tag Shopify would render from the app embed block. */
export function embedScriptTag(ingestUrl: string): string {
  return (
    `<script src="/storelens-assets/storelens.js" defer data-storelens` +
    ` data-shop="${DEMO_SHOP_DOMAIN}" data-endpoint="${ingestUrl}"` +
    ` data-snapshot-src="/storelens-assets/storelens-snapshot.js"` +
    ` data-recording-src="/storelens-assets/storelens-recorder.js"></script>`
  );
}

/**
 * Starts the admin app (demo mode, 127.0.0.1 only) and the demo storefront,
 * whose pages carry the embed script pointed at the app's ingest endpoint.
 * The caller sets DATABASE_URL and the demo environment before calling.
 */
export async function startDemoStack(options: {
  root: string;
  databaseUrl: string;
  appPort: number;
  storefrontPort: number;
  /** Start the background jobs; the end-to-end test leaves them off. */
  jobs?: boolean;
}): Promise<DemoStack> {
  const host = "127.0.0.1";
  const app = await startAppServer({
    root: options.root,
    host,
    port: options.appPort,
    jobs: options.jobs ?? true,
  });
  const ingestUrl = `${app.url}/collect`;
  const storefront = await startStorefrontServer({
    port: options.storefrontPort,
    embedScriptTag: embedScriptTag(ingestUrl),
    assetsDir: path.join(
      options.root,
      "extensions",
      "storelens-embed",
      "assets",
    ),
    logger: pino({ level: "warn" }),
  });
  // The storefront serves 127.0.0.1 and localhost; both are origins
  // a browser may use.
  const localhost = storefront.url.replace("127.0.0.1", "localhost");
  await ensureDemoShop(options.databaseUrl, [storefront.url, localhost]);
  return {
    app,
    storefront,
    ingestUrl,
    close: async () => {
      await Promise.all([app.close(), storefront.close()]);
    },
  };
}
