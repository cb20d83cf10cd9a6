// Variant exposure named by the page: `sl_variant=experiment:variant` in the
// query string or, failing that, in a cookie of that name that a theme or
// testing tool sets. Keys follow the server's EXPERIMENT_KEY_PATTERN and
// MAX_EXPERIMENT_KEY_LENGTH, so an odd value is dropped here rather than
// making the server reject the whole batch.

import type { ExposurePayload } from "../../../app/ingest/payload-types";

const KEY = "([A-Za-z0-9][\\w.-]{0,63})";
const EXPOSURE = new RegExp(
  `(?:^|[?&;]\\s*)sl_variant=${KEY}(?::|%3A)${KEY}(?=[&;]|$)`,
  "i",
);

/** Reads the exposure that the query string or the cookie names. */
export function exposureFromPage(
  search: string,
  cookie: string,
  at: number,
): ExposurePayload | undefined {
  const match = `${search}&${cookie}`.match(EXPOSURE);
  return match
    ? { type: "exposure", experiment: match[1], variant: match[2], at }
    : undefined;
}

/** Queues the exposure the page's URL or cookie names, if any. */
export function queuePageExposure(
  push: (event: ExposurePayload) => void,
  at: number,
): void {
  const exposure = exposureFromPage(location.search, document.cookie, at);
  if (exposure) push(exposure);
}
