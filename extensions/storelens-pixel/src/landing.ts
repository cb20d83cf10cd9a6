// Landing data of a visit: its first page, referrer and UTM parameters,
// read from the page_viewed event that starts a session.

import type { PixelEvents } from "@shopify/web-pixels-extension";
import {
  MAX_URL_LENGTH,
  type LandingPayload,
} from "../../../app/ingest/payload-types";
import { eventPath } from "./map-event";

/** Maximum UTM value length the ingest endpoint accepts. */
export const MAX_UTM_LENGTH = 200;

/**
 * Returns the origin and path of a referrer. The query string is dropped,
 * because search engines and mail clients put search terms and e-mail
 * addresses there.
 */
export function referrerWithoutQuery(referrer: unknown): string {
  if (typeof referrer !== "string" || !referrer) return "";
  try {
    const url = new URL(referrer);
    return (url.origin + url.pathname).slice(0, MAX_URL_LENGTH);
  } catch {
    return "";
  }
}

function utmParameter(query: URLSearchParams, name: string) {
  const value = query.get(name);
  return value ? value.slice(0, MAX_UTM_LENGTH) : undefined;
}

/** Returns the landing data of a page view, or undefined without a path. */
export function landingFromPageView(
  event: PixelEvents["page_viewed"],
): LandingPayload | undefined {
  const path = eventPath(event);
  if (!path) return undefined;
  const document = event.context?.document;
  const landing: LandingPayload = {
    path,
    referrer: referrerWithoutQuery(document?.referrer),
  };
  const search = document?.location?.search;
  const query = new URLSearchParams(typeof search === "string" ? search : "");
  const source = utmParameter(query, "utm_source");
  const medium = utmParameter(query, "utm_medium");
  const campaign = utmParameter(query, "utm_campaign");
  if (source) landing.utmSource = source;
  if (medium) landing.utmMedium = medium;
  if (campaign) landing.utmCampaign = campaign;
  return landing;
}
