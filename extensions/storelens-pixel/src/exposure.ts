// Variant exposure, reported in two ways. The theme or a testing tool
// publishes a custom event, `Shopify.analytics.publish(name, { experiment,
// variant })`, under any name, so testing tools need no renaming. Or a page
// names it as `sl_variant=experiment:variant` in its URL or in a cookie of
// that name. Events without both keys are ignored.

import {
  EXPERIMENT_KEY_PATTERN,
  MAX_EXPERIMENT_KEY_LENGTH,
  type ExposurePayload,
} from "../../../app/ingest/payload-types";

// The server's clock window: an event outside it fails the whole batch.
const EARLIEST_EPOCH_MS = Date.UTC(2020, 0, 1);
const LATEST_EPOCH_MS = Date.UTC(2100, 0, 1);

/** URL parameter and cookie that name a variant as `experiment:variant`. */
export const EXPOSURE_PARAMETER = "sl_variant";

/** Shopify's name for a subscription to every custom event. */
export const CUSTOM_EVENTS = "all_custom_events";

export interface CustomPixelEvent {
  timestamp?: unknown;
  clientId?: unknown;
  customData?: { experiment?: unknown; variant?: unknown } | null;
}

function isKey(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length <= MAX_EXPERIMENT_KEY_LENGTH &&
    EXPERIMENT_KEY_PATTERN.test(value)
  );
}

/**
 * Maps a custom event onto an exposure, or returns undefined when it names
 * no valid experiment and variant or has no usable timestamp. Invalid keys
 * are dropped here because the server rejects a whole batch for one bad
 * event.
 */
export function exposureFromCustomEvent(
  event: CustomPixelEvent,
): ExposurePayload | undefined {
  const experiment = event?.customData?.experiment;
  const variant = event?.customData?.variant;
  const at = Date.parse(String(event?.timestamp));
  if (!isKey(experiment) || !isKey(variant)) return undefined;
  if (!(at >= EARLIEST_EPOCH_MS && at <= LATEST_EPOCH_MS)) return undefined;
  return { type: "exposure", experiment, variant, at };
}

/**
 * Reads the exposure a page names: the `sl_variant` URL parameter of
 * `search`, else the `sl_variant` cookie. Returns undefined when neither
 * contains a valid `experiment:variant` pair.
 */
export async function exposureFromPage(
  search: string,
  readCookie: (name: string) => Promise<string | undefined>,
  at: number,
): Promise<ExposurePayload | undefined> {
  let value = new URLSearchParams(search).get(EXPOSURE_PARAMETER);
  if (value === null) {
    const cookie = await readCookie(EXPOSURE_PARAMETER);
    value = cookie ? decodeURIComponent(cookie) : null;
  }
  const parts = value?.split(":") ?? [];
  if (parts.length !== 2) return undefined;
  return exposureFromCustomEvent({
    timestamp: new Date(at).toISOString(),
    customData: { experiment: parts[0], variant: parts[1] },
  });
}
