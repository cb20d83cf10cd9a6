// Lazily loaded bundle: serializes the page with rrweb-snapshot and uploads
// it, so the admin can draw the heatmap over the page as shoppers saw it.

import { snapshot } from "rrweb-snapshot";
import {
  PAYLOAD_VERSION,
  type KeyElementPayload,
  type SnapshotPayload,
} from "../../../app/ingest/payload-types";
import type { DeviceClass } from "../../../app/ingest/payload-types";
import { deviceClass } from "./capture-maths";
import { report, setDebug } from "./log";
import { pageMetrics } from "./page-metrics";

export interface SnapshotOptions {
  /** Ingest endpoint; the snapshot goes to `<endpoint>/snapshot`. */
  endpoint: string;
  shop: string;
  /** Id of the page view the snapshot belongs to. */
  page: string;
  path: string;
  /** Device class of the page view, as its batch reported it. */
  device?: DeviceClass;
  debug?: boolean;
}

export type TakeSnapshot = (options: SnapshotOptions) => Promise<void>;

/**
 * The fields of an rrweb-snapshot node that are read here. The package's
 * own node types come from `@rrweb/types`, which it does not install.
 */
export interface SerializedNode {
  /** Set on element nodes only. */
  tagName?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SerializedNode[];
}

const FORM_FIELDS = ["input", "textarea", "select"];

/**
 * Removes form field values from a serialized tree. `maskAllInputs` turns
 * typed text into asterisks but keeps its length, and it leaves hidden
 * inputs alone, which often carry tokens and ids.
 */
export function stripFieldValues(node: SerializedNode): void {
  const tag = node.tagName;
  if (tag && FORM_FIELDS.indexOf(tag) >= 0) {
    if (node.attributes) delete node.attributes.value;
    // A textarea's initial text is its child text node.
    if (tag === "textarea") node.childNodes = [];
  }
  if (node.childNodes) node.childNodes.forEach(stripFieldValues);
}

async function gzip(text: string): Promise<Blob> {
  const stream = new Blob([text])
    .stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).blob();
}

/** Elements a merchant wants seen, found by the usual theme markup. */
const KEY_ELEMENTS: [KeyElementPayload["name"], string][] = [
  ["Add to cart", "form[action*='/cart/add'] [type=submit], [name=add]"],
  ["Buy now", ".shopify-payment-button"],
  ["Price", "[class*=price]"],
  ["Reviews", "#shopify-product-reviews, .spr-container, [id*=review]"],
  [
    "Description",
    "[class*=product__description], [class*=product-description]",
  ],
];

/** Measures the top edge of each key element the page shows. */
function keyElements(scrollY: number): KeyElementPayload[] {
  const found: KeyElementPayload[] = [];
  for (const [name, selector] of KEY_ELEMENTS) {
    const element = Array.from(document.querySelectorAll(selector)).find(
      (candidate) => candidate.getBoundingClientRect().height > 0,
    );
    if (!element) continue;
    const top = element.getBoundingClientRect().top + scrollY;
    found.push({ name, top: Math.max(0, Math.round(top)) });
  }
  return found;
}

/** Serializes the document and uploads it; never rejects. */
export const takeSnapshot: TakeSnapshot = async (options) => {
  try {
    setDebug(!!options.debug);
    const node: SerializedNode | null = snapshot(document, {
      maskAllInputs: true,
      inlineStylesheet: true,
      inlineImages: false,
      recordCanvas: false,
      slimDOM: "all",
    });
    if (!node) return;
    stripFieldValues(node);
    const metrics = pageMetrics();
    const payload: SnapshotPayload = {
      v: PAYLOAD_VERSION,
      shop: options.shop,
      page: options.page,
      path: options.path,
      // The page view's own device class: the server matches it against
      // the slot it claimed, and a rotated tablet may now measure wider.
      device: options.device ?? deviceClass(metrics.viewportWidth),
      viewportWidth: metrics.viewportWidth,
      viewportHeight: metrics.viewportHeight,
      documentHeight: metrics.documentHeight,
      node,
      keyElements: keyElements(metrics.scrollY),
    };
    const json = JSON.stringify(payload);
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
    };
    let body: Blob | string = json;
    if (typeof CompressionStream === "function") {
      body = await gzip(json);
      headers["Content-Encoding"] = "gzip";
    }
    // No keepalive: snapshots usually exceed its 64 KiB body limit.
    // The shop and page view in the URL let the server turn away an upload
    // it never asked for before reading the body.
    const url =
      options.endpoint.replace(/\/+$/, "") +
      "/snapshot?shop=" +
      encodeURIComponent(options.shop) +
      "&page=" +
      encodeURIComponent(options.page);
    const response = await fetch(url, { method: "POST", body, headers });
    if (!response.ok) report(`snapshot rejected with ${response.status}`);
  } catch (error) {
    report(error);
  }
};

if (typeof window !== "undefined") {
  (window as { __storelensSnapshot?: TakeSnapshot }).__storelensSnapshot =
    takeSnapshot;
}
