// Test doubles for the pixel: a stand-in for Shopify's extension API, event
// builders shaped like Shopify's payloads, and a recording `fetch`.

import type { CustomerPrivacyPayload } from "@shopify/web-pixels-extension";
import type {
  BatchPayload,
  ShopifyEventName,
} from "../../../app/ingest/payload-types";
import type { PixelEvent } from "./map-event";
import type { PixelApi } from "./pixel";

export const SHOP = "demo.myshopify.com";
export const INGEST_URL = "http://localhost/collect";
export const CLIENT_ID = "b1c2d3e4-shopify-client";
export const START = Date.parse("2024-05-01T10:00:00.000Z");

export interface FakePixelApi {
  api: PixelApi;
  /** Key-value pairs in the fake `browser.localStorage`. */
  stored: Map<string, string>;
  /** Cookies that the fake `browser.cookie.get` reads. */
  cookies: Map<string, string>;
  /** Names passed to `analytics.subscribe`, in order. */
  subscribed: string[];
  /** Delivers an event to the pixel's subscriber for `name`. */
  emit(name: ShopifyEventName | "all_custom_events", event: unknown): void;
  /** Publishes `visitorConsentCollected`, as after a banner choice. */
  setConsent(analyticsAllowed: boolean): void;
}

export function fakePixelApi(
  options: { allowed?: boolean; settings?: Record<string, unknown> } = {},
): FakePixelApi {
  const stored = new Map<string, string>();
  const cookies = new Map<string, string>();
  const subscribed: string[] = [];
  const subscribers = new Map<string, (event: unknown) => void>();
  const consentSubscribers: ((event: CustomerPrivacyPayload) => void)[] = [];

  const api = {
    settings: options.settings ?? { ingestUrl: INGEST_URL },
    analytics: {
      subscribe(name: string, callback: (event: unknown) => void) {
        subscribed.push(name);
        subscribers.set(name, callback);
        return () => subscribers.delete(name);
      },
    },
    browser: {
      localStorage: {
        getItem: async (key: string) => stored.get(key) ?? null,
        setItem: async (key: string, value: string) => {
          stored.set(key, value);
        },
      },
      cookie: {
        // Shopify's sandbox returns "" for a missing cookie.
        get: async (name: string) => cookies.get(name) ?? "",
      },
    },
    init: {
      context: pageContext("/"),
      data: { shop: { myshopifyDomain: SHOP } },
      customerPrivacy: {
        analyticsProcessingAllowed: options.allowed ?? true,
      },
    },
    customerPrivacy: {
      subscribe(
        _name: string,
        callback: (event: CustomerPrivacyPayload) => void,
      ) {
        consentSubscribers.push(callback);
        return () => true;
      },
    },
  } as unknown as PixelApi;

  return {
    api,
    stored,
    cookies,
    subscribed,
    emit(name, event) {
      const subscriber = subscribers.get(name);
      if (!subscriber) throw new Error(`nothing subscribed to ${name}`);
      subscriber(event);
    },
    setConsent(analyticsAllowed) {
      const payload = {
        customerPrivacy: {
          analyticsProcessingAllowed: analyticsAllowed,
          marketingAllowed: false,
          preferencesProcessingAllowed: false,
          saleOfDataAllowed: false,
        },
      };
      for (const subscriber of consentSubscribers) subscriber(payload);
    },
  };
}

/** Builds the `context` of a standard event on `url`. */
export function pageContext(url: string, referrer = "") {
  const location = new URL(url, "https://demo-shop.example");
  return {
    document: {
      location: {
        href: location.href,
        origin: location.origin,
        pathname: location.pathname,
        search: location.search,
        hash: location.hash,
        host: location.host,
        hostname: location.hostname,
        port: location.port,
        protocol: location.protocol,
      },
      referrer,
      title: "Demo shop",
      characterSet: "UTF-8",
    },
  };
}

let sequence = 0;

/** Builds a standard event with a fresh id on the page at `url`. */
export function standardEvent(
  url: string,
  data: Record<string, unknown> = {},
  options: { referrer?: string; at?: number } = {},
): PixelEvent {
  sequence++;
  return {
    id: `sh-${sequence}`,
    clientId: CLIENT_ID,
    seq: sequence,
    timestamp: new Date(options.at ?? Date.now()).toISOString(),
    type: "standard",
    context: pageContext(url, options.referrer),
    data,
  } as unknown as PixelEvent;
}

/** Builds a DOM event, which Shopify sends without a page context. */
export function domEvent(data: Record<string, unknown>): PixelEvent {
  sequence++;
  return {
    id: `dom-${sequence}`,
    clientId: CLIENT_ID,
    seq: sequence,
    timestamp: new Date(Date.now()).toISOString(),
    type: "dom",
    data,
  } as unknown as PixelEvent;
}

export function money(amount: number, currencyCode: string) {
  return { amount, currencyCode };
}

export interface SentRequest {
  url: string;
  init: RequestInit;
  body: string;
  batch: BatchPayload;
}

/**
 * Replaces the global `fetch` with a recorder that returns the given
 * responses in order. The last one repeats.
 */
export function recordFetch(
  ...responses: (() => Response | Promise<never>)[]
): SentRequest[] {
  const sent: SentRequest[] = [];
  const answers = responses.length ? responses : [() => new Response("{}")];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      const body = String(init.body);
      sent.push({ url, init, body, batch: JSON.parse(body) });
      return answers[Math.min(sent.length, answers.length) - 1]();
    }),
  );
  return sent;
}
