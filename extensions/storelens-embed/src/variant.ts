// Reads the A/B test variant a page names as `sl_variant=experiment:variant`
// in its URL or in a cookie of that name, for themes and testing tools that
// mark the variant that way rather than with a custom event.

import {
  EXPERIMENT_KEY_PATTERN,
  MAX_EXPERIMENT_KEY_LENGTH,
  type ExposurePayload,
} from "../../../app/ingest/payload-types";

const NAME = "sl_variant";

function cookieValue(cookie: string): string | null {
  const match = new RegExp(`(?:^|;\\s*)${NAME}=([^;]*)`).exec(cookie);
  try {
    return match ? decodeURIComponent(match[1]) : null;
  } catch {
    return null;
  }
}

const isKey = (key: string) =>
  key.length <= MAX_EXPERIMENT_KEY_LENGTH && EXPERIMENT_KEY_PATTERN.test(key);

/**
 * Returns the exposure named by the URL's query string, else by the cookie
 * string, or undefined when neither names a valid `experiment:variant`.
 */
export function variantExposure(
  search: string,
  cookie: string,
  at: number,
): ExposurePayload | undefined {
  const value = new URLSearchParams(search).get(NAME) ?? cookieValue(cookie);
  const [experiment, variant, extra] = (value || "").split(":");
  if (extra !== undefined || !isKey(experiment) || !isKey(variant || "")) {
    return undefined;
  }
  return { type: "exposure", experiment, variant, at };
}
