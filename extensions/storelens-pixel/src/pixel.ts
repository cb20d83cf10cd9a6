// Web pixel: forwards Shopify's storefront and checkout events to the
// ingest endpoint under the visitor and session ids the embed uses, once
// the shopper allows analytics.

import type {
  CustomerPrivacyPayload,
  ExtensionApi,
} from "@shopify/web-pixels-extension";
import {
  SHOPIFY_EVENT_NAMES,
  type LandingPayload,
  type ShopifyEventName,
} from "../../../app/ingest/payload-types";
import { guard, report } from "../../storelens-embed/src/log";
import { MAX_QUEUED_EVENTS } from "../../storelens-embed/src/transport";
import {
  CUSTOM_EVENTS,
  exposureFromCustomEvent,
  exposureFromPage,
  type CustomPixelEvent,
} from "./exposure";
import { landingFromPageView } from "./landing";
import { eventPath, mapEvent, type PixelEvent } from "./map-event";
import {
  createIdentitySource,
  type AsyncKeyValueStore,
} from "./pixel-identity";
import { createPixelTransport, type PixelPayload } from "./transport";

/** Maximum client id length the ingest endpoint accepts. */
const MAX_CLIENT_ID_LENGTH = 128;

/**
 * - `pending`: no decision seen yet, so events wait in memory only.
 * - `allowed`: events are sent and the ids are stored.
 * - `denied`: the shopper declined or withdrew, so events are dropped.
 */
type ConsentState = "pending" | "allowed" | "denied";

/** The parts of Shopify's `ExtensionApi` the pixel uses. */
export interface PixelApi {
  settings: ExtensionApi["settings"];
  analytics: ExtensionApi["analytics"];
  browser: {
    localStorage: AsyncKeyValueStore;
    cookie: { get(name: string): Promise<string | undefined> };
  };
  init: {
    context?: unknown;
    data: { shop: { myshopifyDomain: string } };
    customerPrivacy: { analyticsProcessingAllowed: boolean };
  };
  customerPrivacy: ExtensionApi["customerPrivacy"];
}

/** An event seen by the pixel, before its ids are resolved. */
interface ObservedEvent {
  event: PixelPayload;
  clientId: string;
  /** Landing data, used only if this page view starts a session. */
  landing?: LandingPayload;
  /** True when the event usually comes right before the page unloads. */
  flushNow: boolean;
}

/** Returns the ingest URL from the settings, or undefined if invalid. */
export function ingestUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    const web = url.protocol === "https:" || url.protocol === "http:";
    return web ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function clientIdOf(event: PixelEvent | CustomPixelEvent): string {
  const clientId = event?.clientId;
  return typeof clientId === "string" && clientId.length <= MAX_CLIENT_ID_LENGTH
    ? clientId
    : "";
}

/**
 * Returns true for events after which the page usually unloads: a
 * completed checkout, a submitted form, and a click on a link. The pixel
 * runs in a worker that dies with the page, so those events do not wait
 * for the delivery timer.
 * NOTE: whether Shopify's sandbox lets a keepalive request from the worker
 * finish after the page unloads has not been verified.
 */
function flushesNow(name: ShopifyEventName, event: PixelEvent): boolean {
  if (name === "checkout_completed" || name === "form_submitted") return true;
  if (name !== "clicked") return false;
  const href = (event as { data?: { element?: { href?: unknown } } }).data
    ?.element?.href;
  return typeof href === "string" && href !== "";
}

/**
 * Starts the pixel: subscribes to the events Storelens records and to
 * consent changes. Does nothing when the ingest URL or the shop domain is
 * missing. Never throws out of a subscriber.
 */
export function createPixel(api: PixelApi): void {
  const endpoint = ingestUrl(api.settings?.ingestUrl);
  const shop = api.init?.data?.shop?.myshopifyDomain;
  if (!endpoint || typeof shop !== "string" || !shop) return;

  const transport = createPixelTransport({ endpoint, shop });
  const touchIdentity = createIdentitySource(api.browser.localStorage);
  let consent: ConsentState = api.init.customerPrivacy
    ?.analyticsProcessingAllowed
    ? "allowed"
    : "pending";
  let pending: ObservedEvent[] = [];
  // Bumped on withdrawal, so events whose ids were being resolved then
  // are dropped.
  let generation = 0;
  // DOM events carry no page context, so they take the path of the last
  // event that did.
  let currentPath = eventPath({ context: api.init.context }) || "";

  function deliver(observed: ObservedEvent) {
    const started = generation;
    touchIdentity().then(
      guard((identity) => {
        if (started !== generation || consent !== "allowed") return;
        transport.push({
          event: observed.event,
          identity: {
            visitorId: identity.visitorId,
            sessionId: identity.sessionId,
          },
          clientId: observed.clientId,
          // NOTE: when the embed starts the session first, the pixel finds
          // it in storage and sends no landing data for that session.
          landing: identity.newSession ? observed.landing : undefined,
        });
        if (observed.flushNow) transport.flush(true);
      }),
      report,
    );
  }

  function observe(name: ShopifyEventName, raw: PixelEvent) {
    currentPath = eventPath(raw) || currentPath;
    if (consent === "denied") return;
    const event = mapEvent(name, raw, currentPath);
    if (!event) return;
    const observed: ObservedEvent = {
      event,
      clientId: clientIdOf(raw),
      flushNow: flushesNow(name, raw),
    };
    if (name === "page_viewed") {
      observed.landing = landingFromPageView(
        raw as Parameters<typeof landingFromPageView>[0],
      );
    }
    enqueue(observed);
    if (name === "page_viewed") observePageExposure(raw, event.at);
  }

  function observePageExposure(raw: PixelEvent, at: number) {
    const search = (
      raw as { context?: { document?: { location?: { search?: unknown } } } }
    ).context?.document?.location?.search;
    exposureFromPage(
      typeof search === "string" ? search : "",
      (name) => api.browser.cookie.get(name),
      at,
    ).then(
      guard((exposure) => {
        if (exposure && consent !== "denied") {
          enqueue({
            event: exposure,
            clientId: clientIdOf(raw),
            flushNow: false,
          });
        }
      }),
      report,
    );
  }

  function observeExposure(raw: CustomPixelEvent) {
    if (consent === "denied") return;
    const event = exposureFromCustomEvent(raw);
    if (event) enqueue({ event, clientId: clientIdOf(raw), flushNow: false });
  }

  function enqueue(observed: ObservedEvent) {
    if (consent === "allowed") {
      deliver(observed);
    } else if (pending.length < MAX_QUEUED_EVENTS) {
      pending.push(observed);
    }
  }

  function updateConsent(allowed: boolean) {
    if (allowed) {
      if (consent === "allowed") return;
      consent = "allowed";
      const earlier = pending;
      pending = [];
      earlier.forEach(deliver);
    } else {
      consent = "denied";
      generation++;
      pending = [];
      transport.clear();
    }
  }

  for (const name of SHOPIFY_EVENT_NAMES) {
    api.analytics.subscribe(
      name,
      guard((event: PixelEvent) => observe(name, event)),
    );
  }
  api.analytics.subscribe(CUSTOM_EVENTS, guard(observeExposure));
  api.customerPrivacy.subscribe(
    "visitorConsentCollected",
    guard((event: CustomerPrivacyPayload) => {
      const allowed = event?.customerPrivacy?.analyticsProcessingAllowed;
      if (typeof allowed === "boolean") updateConsent(allowed);
    }),
  );
}
