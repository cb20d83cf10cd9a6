import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium; the tests never download a browser of their own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

/**
 * A desktop Chrome user agent. Headless Chromium announces itself as
 * "HeadlessChrome", which the ingest endpoint flags as a bot and leaves out
 * of every report, so the test browser presents itself as desktop Chrome.
 */
export const SHOPPER_USER_AGENT =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " +
  "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/**
 * Launches headless Chromium for tests. The background-networking flags keep
 * it from dialling Google's hosts, which this machine cannot reach. The user
 * agent is set for the whole browser, not per page: Chromium sends keepalive
 * requests that outlive their page (the flush on pagehide) with the browser's
 * own user agent, and a per-page override would not reach them.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      `--user-agent=${SHOPPER_USER_AGENT}`,
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
