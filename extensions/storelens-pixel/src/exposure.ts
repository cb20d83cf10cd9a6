// Variant exposure published as a custom event by the theme or a testing
// tool: `Shopify.analytics.publish(name, { experiment, variant })`. Any
// event name is accepted, so testing tools need no renaming; events
// without both keys are ignored.

import {
  EXPERIMENT_KEY_PATTERN,
  MAX_EXPERIMENT_KEY_LENGTH,
  type ExposurePayload,
} from "../../../app/ingest/payload-types";

// The server's clock window: an event outside it fails the whole batch.
const EARLIEST_EPOCH_MS = Date.UTC(2020, 0, 1);
const LATEST_EPOCH_MS = Date.UTC(2100, 0, 1);

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
