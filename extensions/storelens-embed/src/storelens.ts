// Storefront entry: reads its settings from the script tag that the theme
// app embed renders, then captures clicks, scroll depth, pointer moves and
// hovers, form fields and errors for each page view (a document load or a
// client-side navigation) and sends them once the shopper allows analytics.

import {
  MAX_TITLE_LENGTH,
  MAX_URL_LENGTH,
  type BatchResponse,
  type EventPayload,
  type LandingPayload,
  type PagePayload,
} from "../../../app/ingest/payload-types";
import { watchBehaviour } from "./behaviour";
import { clickPayload, createScrollTracker } from "./capture";
import { createCartAttributeWriter } from "./cart-attribute";
import { deviceClass } from "./capture-maths";
import { watchClickEffects } from "./click-effects";
import { watchConsent, type ConsentState } from "./consent";
import { touchIdentity, uuid } from "./identity";
import { createKeepaliveQuota } from "./keepalive-quota";
import { loadScript } from "./load-script";
import { guard, report, setDebug } from "./log";
import { recordingLoader } from "./recording-loader";
import type { TakeSnapshot } from "./snapshot";
import { variantExposure } from "./variant";
import { createTransport } from "./transport";

/** Interval between two deliveries of the queue. */
export const FLUSH_INTERVAL_MS = 5000;
/** Minimum gap between two scroll depth readings during a scroll. */
export const SCROLL_THROTTLE_MS = 250;
/**
 * Wait after a client-side navigation before the new page's depth is read:
 * themes scroll the new page to its top just after they change the URL.
 */
export const NAVIGATION_SETTLE_MS = 500;
/** Page views of one document sent with each batch, newest kept. */
const MAX_DOCUMENT_PAGES = 10;

interface StorelensWindow {
  __storelensStarted?: boolean;
  __storelensSnapshot?: TakeSnapshot;
  Shopify?: { routes?: { root?: unknown } };
}

/** Values of the script tag's data attributes. */
interface Settings {
  endpoint: string;
  shop: string;
  snapshotSrc?: string;
  recordingSrc?: string;
  debug: boolean;
}

const host = window as unknown as StorelensWindow;

/**
 * Finds this script's tag. `document.currentScript` is null when the code
 * does not run from its own tag, as under a script loader that evaluates
 * the source itself, so the tag is then found by its marker attribute or
 * its file name.
 */
function findScriptTag(): HTMLScriptElement | undefined {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.endpoint) {
    return current;
  }
  const marked = document.querySelector<HTMLScriptElement>(
    "script[data-storelens]",
  );
  if (marked) return marked;
  return Array.prototype.find.call(document.scripts, (tag: HTMLScriptElement) =>
    /\/storelens\.js([?#]|$)/.test(tag.src),
  ) as HTMLScriptElement | undefined;
}

function readSettings(): Settings | undefined {
  const tag = findScriptTag();
  if (!tag) return undefined;
  const { endpoint, shop, snapshotSrc, recordingSrc, debug } = tag.dataset;
  if (!endpoint || !shop) return undefined;
  return {
    endpoint,
    shop,
    snapshotSrc,
    recordingSrc,
    debug: debug !== undefined,
  };
}

function localStore(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    // Reading `localStorage` throws when the shopper blocks site data.
    return undefined;
  }
}

/**
 * Returns `Shopify.routes.root`, such as `/` or `/fr/`, or `/` when it is
 * missing or odd. A value such as `//host/` would send the cart request to
 * another host, so only plain path segments pass.
 */
function storefrontRoot(): string {
  const root = host.Shopify?.routes?.root;
  return typeof root === "string" && /^\/([\w-]+\/)*$/.test(root) ? root : "/";
}

function referrerWithoutQuery(referrer: string): string {
  try {
    const url = new URL(referrer);
    return (url.origin + url.pathname).slice(0, MAX_URL_LENGTH);
  } catch {
    return "";
  }
}

const MAX_UTM_LENGTH = 200;

/** Builds the page's entry data: referrer and UTM parameters of its URL. */
function landingOf(page: PagePayload): LandingPayload {
  const params = new URLSearchParams(location.search);
  const utm = (name: string) =>
    params.get(name)?.slice(0, MAX_UTM_LENGTH) || undefined;
  return {
    path: page.path,
    referrer: page.referrer,
    utmSource: utm("utm_source"),
    utmMedium: utm("utm_medium"),
    utmCampaign: utm("utm_campaign"),
  };
}

function newPageView(): PagePayload {
  return {
    id: uuid(),
    path: location.pathname.slice(0, MAX_URL_LENGTH),
    title: document.title.slice(0, MAX_TITLE_LENGTH),
    referrer: referrerWithoutQuery(document.referrer),
    startedAt: Date.now(),
    viewportWidth: Math.max(1, window.innerWidth),
    viewportHeight: Math.max(1, window.innerHeight),
    device: deviceClass(window.innerWidth),
  };
}

/**
 * Returns a function that loads the snapshot bundle and runs it for a page
 * view. The bundle is large, so it is loaded only when the server requests
 * a snapshot, and at most once per page view.
 */
function snapshotLoader(
  settings: Settings,
  allowed: () => boolean,
): (page: PagePayload) => void {
  const requested: string[] = [];

  const takeSnapshot = (page: PagePayload) => {
    const snapshot = host.__storelensSnapshot;
    if (!snapshot || !allowed()) return;
    snapshot({
      endpoint: settings.endpoint,
      shop: settings.shop,
      page: page.id,
      path: page.path,
      device: page.device,
      debug: settings.debug,
    }).catch(report);
  };

  return (page) => {
    if (requested.indexOf(page.id) >= 0) return;
    requested.push(page.id);
    if (host.__storelensSnapshot || !settings.snapshotSrc) {
      takeSnapshot(page);
      return;
    }
    loadScript(
      settings.snapshotSrc,
      guard(() => takeSnapshot(page)),
    );
  };
}

function run(settings: Settings) {
  let page = newPageView();
  const pages = [page];
  let scroll = createScrollTracker(page.id);
  let consent: ConsentState = "loading";
  let lastPointerType = "";
  let scrollTimer: ReturnType<typeof setTimeout> | undefined;

  const capturing = () => consent !== "denied" && consent !== "unavailable";
  const writeCartSession = createCartAttributeWriter(
    localStore,
    storefrontRoot(),
  );
  // Called only with consent: when a batch is made or consent is given.
  const identity = () => {
    const current = touchIdentity(localStore(), Date.now());
    writeCartSession(current.sessionId);
    return current;
  };
  const loadSnapshot = snapshotLoader(settings, () => consent === "allowed");
  const quota = createKeepaliveQuota();
  const recording = recordingLoader(settings.recordingSrc, {
    endpoint: settings.endpoint,
    shop: settings.shop,
    page: () => page.id,
    identity,
    allowed: () => consent === "allowed",
    debug: settings.debug,
    quota,
    storage: localStore,
  });
  const transport = createTransport({
    endpoint: settings.endpoint,
    shop: settings.shop,
    pages: () => pages,
    landing: landingOf(page),
    identity,
    storage: localStore,
    quota,
    onResponse: (response: BatchResponse) => {
      const requested = response && response.snapshotPages;
      if (requested && requested.indexOf(page.id) >= 0) loadSnapshot(page);
      recording.start(response.recording);
    },
  });
  const push = (event: EventPayload) => {
    if (capturing()) transport.push(event);
  };
  const behaviour = watchBehaviour(() => page.id, push);
  // Sent with each page view; the server keeps a visit's first variant.
  const readVariant = () => {
    const exposure = variantExposure(
      location.search,
      document.cookie,
      Date.now(),
    );
    if (exposure) push(exposure);
  };
  readVariant();

  // Added before the page-exit listeners below, so that a click's window
  // receives the `pagehide` or `visibilitychange` before the click is sent.
  const clickEffects = watchClickEffects((click) => {
    push(click);
    recording.click(click);
  });

  function flush(final: boolean) {
    // On exit a click is sent without waiting for the rest of its window.
    if (final) {
      clickEffects.finishAll();
      behaviour.finish();
    }
    if (consent !== "allowed") return;
    const depth = scroll.take();
    if (depth) transport.push(depth);
    transport.flush(final);
  }

  // A client-side navigation to another path starts a new page view with
  // its own depth. A change of query or fragment (a variant picker) does not.
  function navigated() {
    const path = location.pathname.slice(0, MAX_URL_LENGTH);
    if (path === page.path) return;
    const depth = scroll.take();
    if (depth) push(depth);
    behaviour.newPage();
    const previous = page;
    page = newPageView();
    page.referrer = location.origin + previous.path;
    pages.push(page);
    if (pages.length > MAX_DOCUMENT_PAGES) pages.shift();
    readVariant();
    scroll = createScrollTracker(page.id, Date.now() + NAVIGATION_SETTLE_MS);
    setTimeout(
      guard(() => scroll.measure()),
      NAVIGATION_SETTLE_MS,
    );
  }
  for (const name of ["pushState", "replaceState"] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args) {
      original.apply(this, args);
      guard(navigated)();
    };
  }
  addEventListener("popstate", guard(navigated));

  const options = { capture: true, passive: true };
  document.addEventListener(
    "pointerdown",
    guard((event: PointerEvent) => {
      lastPointerType = event.pointerType;
    }),
    options,
  );
  // Capture phase, so a theme's stopPropagation() cannot hide a click.
  // A middle-button press fires `auxclick` in place of `click`.
  const onClick = guard((event: MouseEvent) => {
    if (!capturing()) return;
    if (event.type === "auxclick" && event.button !== 1) return;
    const click = clickPayload(event, page.id, lastPointerType);
    if (click) clickEffects.track(click);
  });
  document.addEventListener("click", onClick, options);
  document.addEventListener("auxclick", onClick, options);
  // `scroll` does not bubble from an element that scrolls, such as a body
  // with its own overflow, but a capturing listener on the document
  // receives it.
  document.addEventListener(
    "scroll",
    guard(() => {
      if (scrollTimer || !capturing()) return;
      scrollTimer = setTimeout(
        guard(() => {
          scrollTimer = undefined;
          scroll.measure();
        }),
        SCROLL_THROTTLE_MS,
      );
    }),
    options,
  );
  addEventListener("load", guard(scroll.measure));

  // `pagehide` is the last event that fires reliably on exit, and mobile
  // browsers may discard a hidden tab without firing it. These listeners
  // run before the recorder's, which are added later, so exit batches take
  // the shared keepalive quota first.
  addEventListener(
    "pagehide",
    guard(() => flush(true)),
  );
  document.addEventListener(
    "visibilitychange",
    guard(() => {
      if (document.visibilityState === "hidden") flush(true);
    }),
  );
  setInterval(
    guard(() => flush(false)),
    FLUSH_INTERVAL_MS,
  );

  scroll.measure();
  watchConsent((state) => {
    consent = state;
    if (state === "allowed") {
      identity();
      flush(false);
    }
    // The shopper may have withdrawn consent on a page without this script,
    // such as checkout: batches stored before then must never be sent.
    if (state === "pending") transport.forget();
    if (state === "denied" || state === "unavailable") {
      transport.clear();
      recording.stop();
    }
  });
}

/** Starts capture once per page, even when the theme includes it twice. */
function start() {
  if (host.__storelensStarted) return;
  const settings = readSettings();
  if (!settings) return;
  host.__storelensStarted = true;
  setDebug(settings.debug);
  run(settings);
}

guard(start)();
