// Analytics consent from Shopify's Customer Privacy API.

import { guard } from "./log";

/**
 * - `loading`: the consent API is still loading. Events may be buffered in
 *   memory only.
 * - `pending`: the API does not allow analytics, either because the
 *   shopper has not chosen yet or because they withdrew consent. Events
 *   may be buffered in memory only.
 * - `allowed`: events may be stored and sent.
 * - `denied`: the shopper declined or withdrew; nothing is captured.
 * - `unavailable`: the page has no consent API, so nothing is ever sent.
 */
export type ConsentState =
  "loading" | "pending" | "allowed" | "denied" | "unavailable";

interface CustomerPrivacy {
  analyticsProcessingAllowed?: () => boolean;
}

export interface ShopifyGlobal {
  customerPrivacy?: CustomerPrivacy;
  loadFeatures?: (
    features: { name: string; version: string }[],
    callback: (error?: unknown) => void,
  ) => void;
}

interface ConsentCollectedDetail {
  analyticsAllowed?: boolean;
}

function shopify(): ShopifyGlobal | undefined {
  return (window as { Shopify?: ShopifyGlobal }).Shopify;
}

/**
 * Reads the current permission, or returns undefined while the API is not
 * loaded. `analyticsProcessingAllowed()` is false both before the shopper
 * makes a choice in the banner and after a refusal. So false maps to
 * `pending`, and only a `visitorConsentCollected` event can set `denied`.
 */
function readConsent(): ConsentState | undefined {
  const privacy = shopify()?.customerPrivacy;
  if (!privacy || typeof privacy.analyticsProcessingAllowed !== "function") {
    return undefined;
  }
  return privacy.analyticsProcessingAllowed() ? "allowed" : "pending";
}

/**
 * Calls `onChange` with the consent state now and after every change. The
 * Customer Privacy API is loaded on demand through `Shopify.loadFeatures`
 * when the theme has not loaded it yet. `unavailable` is final: a page
 * without the API never sends anything, even if an API appears later.
 */
export function watchConsent(onChange: (state: ConsentState) => void): void {
  let current: ConsentState | undefined;
  const update = (state: ConsentState) => {
    if (current === "unavailable" || current === state) return;
    current = state;
    onChange(state);
  };
  const api = shopify();
  const state = readConsent();
  if (!state && typeof api?.loadFeatures !== "function") {
    update("unavailable");
    return;
  }
  document.addEventListener(
    "visitorConsentCollected",
    guard((event: Event) => {
      const detail = (event as CustomEvent<ConsentCollectedDetail>).detail;
      const allowed = detail && detail.analyticsAllowed;
      if (typeof allowed === "boolean") {
        update(allowed ? "allowed" : "denied");
      }
    }),
  );
  if (state) {
    update(state);
  } else if (api?.loadFeatures) {
    update("loading");
    // Called as a method in case the loader relies on `this`.
    api.loadFeatures(
      [{ name: "consent-tracking-api", version: "0.1" }],
      guard(() => update(readConsent() || "unavailable")),
    );
  }
}
