import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  MAX_BATCH_BYTES,
  MAX_EVENTS_PER_BATCH,
  PAYLOAD_VERSION,
  type BatchPayload,
  type ClickOutcome,
  type ClickPayload,
  type DeviceClass,
  type EventPayload,
  type KeyElementPayload,
  type PagePayload,
  type SnapshotPayload,
} from "../../app/ingest/payload-types";
import { demoBehaviourEvents } from "./demo-behaviour";

// Synthetic shopper traffic for the demo storefront in public/storefront/.
// The element table below must stay in step with those pages, and the tests
// check that every selector exists in its page.

export type DemoPath =
  "/" | "/collections/all" | "/products/linen-shirt" | "/cart";

export const DEMO_PATHS: readonly DemoPath[] = [
  "/",
  "/collections/all",
  "/products/linen-shirt",
  "/cart",
];

const DEVICES: readonly DeviceClass[] = ["mobile", "tablet", "desktop"];

/** Border box in CSS pixels: x, y, width, height. */
export type Box = readonly [number, number, number, number];

/** One box per device class, in the order mobile, tablet, desktop. */
type DeviceBoxes = readonly [Box | null, Box | null, Box | null];

export interface DemoElement {
  /** The selector the storefront script records for a click on it. */
  selector: string;
  /** Relative click popularity among the elements a shopper can reach. */
  weight: number;
  /** Path a click navigates to, or undefined when it stays on the page. */
  to?: string;
  /** True in the sticky header, where boxes and clicks use the viewport. */
  fixed?: boolean;
  /** True in the mobile menu, so on mobile `#menu-toggle` is clicked first. */
  inMenu?: boolean;
  /** Selector that must be clicked earlier in the same page view. */
  after?: string;
  /** Order of clicks in a page view. Equal stages keep top-to-bottom order. */
  stage?: number;
  /** Null where the element is hidden on that device class. */
  box: DeviceBoxes;
}

/** Builds a row of {@link DEMO_ELEMENTS}. */
function el(
  selector: string,
  options: Omit<DemoElement, "selector" | "box">,
  mobile: Box | null,
  tablet: Box | null,
  desktop: Box | null,
): DemoElement {
  return { selector, ...options, box: [mobile, tablet, desktop] };
}

export interface DemoPage {
  title: string;
  /** Document height per device class, in the order of {@link DEVICES}. */
  documentHeight: readonly [number, number, number];
  /** Median time on the page in seconds. */
  medianDwellSeconds: number;
  /** Mean number of clicks that do not navigate away. */
  meanActionClicks: number;
  /** Share of exits that end with a click on a link leaving the demo. */
  exitClickShare: number;
}

/** Viewport widths at which the boxes and heights below were measured. */
const REFERENCE_WIDTH: Record<DeviceClass, number> = {
  mobile: 390,
  tablet: 820,
  desktop: 1440,
};

// Document heights were measured in Chromium at 390x844, 820x1180 and
// 1440x900.
export const DEMO_PAGES: Record<DemoPath, DemoPage> = {
  "/": {
    title: "Fernwood | Linen and cotton clothing",
    documentHeight: [2943, 3062, 2450],
    medianDwellSeconds: 18,
    meanActionClicks: 0.3,
    exitClickShare: 0.15,
  },
  "/collections/all": {
    title: "All products | Fernwood",
    documentHeight: [2468, 2392, 1909],
    medianDwellSeconds: 30,
    meanActionClicks: 1,
    exitClickShare: 0.3,
  },
  "/products/linen-shirt": {
    title: "Linen shirt | Fernwood",
    documentHeight: [5415, 4859, 3899],
    medianDwellSeconds: 55,
    meanActionClicks: 2.6,
    exitClickShare: 0.15,
  },
  "/cart": {
    title: "Your cart | Fernwood",
    documentHeight: [1663, 1231, 1131],
    medianDwellSeconds: 35,
    meanActionClicks: 1.2,
    exitClickShare: 0.7,
  },
};

// Every element a demo shopper clicks. The "header" rows are on every page.
// Each row is a selector, its options, then its border box (x, y, width,
// height) on mobile, tablet and desktop, or null where it is hidden.
// Boxes are document coordinates measured in Chromium at 390x844, 820x1180
// and 1440x900. The `fixed` rows were measured at scroll 0, and the `inMenu`
// and `after` rows with the menu or the cart notification open.
// Measure again after changing a page's layout.
// prettier-ignore
export const DEMO_ELEMENTS: Record<DemoPath | "header", DemoElement[]> = {
  header: [
    el("#header-logo",
      { weight: 6, to: "/", fixed: true },
      [72, 49, 246, 33], [32, 52, 108, 40], [168, 52, 108, 40]),
    el("#menu-toggle",
      { weight: 1, fixed: true },
      [20, 44, 44, 44], null, null),
    el("#site-nav > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 2, to: "/", fixed: true, inMenu: true },
      [20, 104, 350, 53], [160, 47, 47, 49], [308, 47, 47, 49]),
    el("#site-nav > ul:nth-of-type(1) > li:nth-of-type(2) > a:nth-of-type(1)",
      { weight: 10, to: "/collections/all", fixed: true, inMenu: true },
      [20, 157, 350, 53], [227, 47, 64, 49], [383, 47, 64, 49]),
    el("#site-nav > ul:nth-of-type(1) > li:nth-of-type(3) > a:nth-of-type(1)",
      { weight: 4, to: "/collections/all", fixed: true, inMenu: true },
      [20, 210, 350, 53], [311, 47, 99, 49], [475, 47, 99, 49]),
    el("#site-nav > ul:nth-of-type(1) > li:nth-of-type(4) > a:nth-of-type(1)",
      { weight: 4, to: "/collections/all", fixed: true, inMenu: true },
      [20, 262, 350, 53], [430, 47, 34, 49], [602, 47, 34, 49]),
    el("#header-search",
      { weight: 2, to: "/collections/all", fixed: true },
      null, [692, 50, 44, 44], [1176, 50, 44, 44]),
    el("#header-cart",
      { weight: 8, to: "/cart", fixed: true },
      [326, 44, 44, 44], [744, 50, 44, 44], [1228, 50, 44, 44]),
  ],
  "/": [
    el("#hero-cta",
      { weight: 30, to: "/collections/all" },
      [20, 323, 350, 48], [32, 470, 149, 48], [168, 470, 149, 48]),
    el("#hero-secondary",
      { weight: 10, to: "/products/linen-shirt" },
      [20, 387, 350, 48], [197, 470, 190, 48], [333, 470, 190, 48]),
    el("#featured-view-all",
      { weight: 6, to: "/collections/all" },
      [308, 674, 62, 25], [726, 742, 62, 25], [1210, 742, 62, 25]),
    el("#featured-collection > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 14, to: "/products/linen-shirt" },
      [20, 723, 169, 271], [32, 791, 368, 520], [168, 791, 261, 386]),
    el("#featured-collection > ul:nth-of-type(1) > li:nth-of-type(2) > a:nth-of-type(1)",
      { weight: 5, to: "/products/wide-leg-trousers" },
      [201, 723, 169, 271], [420, 791, 368, 520], [449, 791, 261, 386]),
    el("#featured-collection > ul:nth-of-type(1) > li:nth-of-type(3) > a:nth-of-type(1)",
      { weight: 4, to: "/products/cotton-tee" },
      [20, 1018, 169, 271], [32, 1343, 368, 520], [730, 791, 261, 386]),
    el("#featured-collection > ul:nth-of-type(1) > li:nth-of-type(4) > a:nth-of-type(1)",
      { weight: 3, to: "/products/canvas-tote" },
      [201, 1018, 169, 271], [420, 1343, 368, 520], [1011, 791, 261, 386]),
    el("#story-link",
      { weight: 5, to: "/products/linen-shirt" },
      [20, 1945, 267, 48], [434, 2236, 267, 48], [744, 1613, 267, 48]),
    el("#newsletter-email",
      { weight: 2 },
      [20, 2208, 350, 48], [170, 2567, 322, 48], [480, 2055, 322, 48]),
    el("#newsletter-submit",
      { weight: 1 },
      [20, 2264, 350, 48], [500, 2567, 150, 48], [810, 2055, 150, 48]),
    el("#footer-shop > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 1, to: "/collections/all" },
      [20, 2447, 58, 32], [32, 2766, 58, 32], [168, 2254, 58, 32]),
    el("#footer-help > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 1, to: "/pages/shipping" },
      [211, 2447, 63, 32], [295, 2766, 63, 32], [424, 2254, 63, 32]),
    el("#footer-help > ul:nth-of-type(1) > li:nth-of-type(3) > a:nth-of-type(1)",
      { weight: 1, to: "/pages/contact" },
      [211, 2511, 77, 32], [295, 2830, 77, 32], [424, 2318, 77, 32]),
  ],
  "/collections/all": [
    el("#collection-filters > details:nth-of-type(1) > summary:nth-of-type(1)",
      { weight: 2 },
      [20, 308, 350, 54], [32, 305, 200, 54], [168, 305, 240, 54]),
    el("#collection-filters > details:nth-of-type(2) > summary:nth-of-type(1)",
      { weight: 6 },
      [20, 363, 350, 54], [32, 359, 200, 54], [168, 359, 240, 54]),
    el("#collection-filters > details:nth-of-type(3) > summary:nth-of-type(1)",
      { weight: 4 },
      [20, 417, 350, 54], [32, 414, 200, 54], [168, 414, 240, 54]),
    el("#collection-filters > details:nth-of-type(4) > summary:nth-of-type(1)",
      { weight: 3 },
      [20, 472, 350, 54], [32, 469, 200, 54], [168, 469, 240, 54]),
    el("#sort-by",
      { weight: 5 },
      [91, 599, 184, 40], [604, 274, 184, 40], [1088, 274, 184, 40]),
    el("#product-grid > li:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 20, to: "/products/linen-shirt" },
      [20, 663, 169, 271], [260, 338, 254, 377], [448, 338, 261, 387]),
    el("#product-grid > li:nth-of-type(2) > a:nth-of-type(1)",
      { weight: 5, to: "/products/oxford-shirt" },
      [201, 663, 169, 271], [534, 338, 254, 377], [729, 338, 261, 387]),
    el("#product-grid > li:nth-of-type(3) > a:nth-of-type(1)",
      { weight: 5, to: "/products/wide-leg-trousers" },
      [20, 958, 169, 271], [260, 748, 254, 377], [1011, 338, 261, 387]),
    el("#product-grid > li:nth-of-type(4) > a:nth-of-type(1)",
      { weight: 4, to: "/products/cotton-tee" },
      [201, 958, 169, 271], [534, 748, 254, 377], [448, 757, 261, 387]),
    el("#product-grid > li:nth-of-type(5) > a:nth-of-type(1)",
      { weight: 3, to: "/products/merino-sweater" },
      [20, 1254, 169, 271], [260, 1157, 254, 377], [729, 757, 261, 387]),
    el("#product-grid > li:nth-of-type(6) > a:nth-of-type(1)",
      { weight: 4, to: "/products/wrap-dress" },
      [201, 1254, 169, 271], [534, 1157, 254, 377], [1011, 757, 261, 387]),
    el("#product-grid > li:nth-of-type(7) > a:nth-of-type(1)",
      { weight: 2, to: "/products/canvas-tote" },
      [20, 1549, 169, 271], [260, 1567, 254, 377], [448, 1176, 261, 387]),
    el("#product-grid > li:nth-of-type(8) > a:nth-of-type(1)",
      { weight: 1, to: "/products/bucket-hat" },
      [201, 1549, 169, 271], [534, 1567, 254, 377], [729, 1176, 261, 387]),
    el("#footer-help > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 1, to: "/pages/shipping" },
      [211, 1971, 63, 32], [295, 2096, 63, 32], [424, 1714, 63, 32]),
  ],
  "/products/linen-shirt": [
    el("#breadcrumbs > ol:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 1, to: "/" },
      [20, 119, 40, 16], [32, 131, 40, 16], [168, 131, 40, 16]),
    el("#breadcrumbs > ol:nth-of-type(1) > li:nth-of-type(2) > a:nth-of-type(1)",
      { weight: 4, to: "/collections/all" },
      [81, 119, 54, 16], [93, 131, 54, 16], [229, 131, 54, 16]),
    el("#gallery-main",
      { weight: 6, stage: 1 },
      [20, 158, 350, 438], [32, 170, 395, 494], [168, 170, 572, 715]),
    el("#gallery-thumbs > li:nth-of-type(1) > button:nth-of-type(1)",
      { weight: 2, stage: 1 },
      [20, 607, 79, 98], [32, 676, 90, 112], [168, 896, 134, 167]),
    el("#gallery-thumbs > li:nth-of-type(2) > button:nth-of-type(1)",
      { weight: 4, stage: 1 },
      [111, 607, 79, 98], [134, 676, 90, 112], [314, 896, 134, 167]),
    el("#gallery-thumbs > li:nth-of-type(3) > button:nth-of-type(1)",
      { weight: 3, stage: 1 },
      [201, 607, 79, 98], [235, 676, 90, 112], [460, 896, 134, 167]),
    el("#gallery-thumbs > li:nth-of-type(4) > button:nth-of-type(1)",
      { weight: 2, stage: 1 },
      [292, 607, 79, 98], [337, 676, 90, 112], [606, 896, 134, 167]),
    el("#product-info > p:nth-of-type(3) > a:nth-of-type(1)",
      { weight: 1, to: "/pages/shipping" },
      [113, 853, 59, 16], [552, 303, 59, 16], [889, 303, 59, 16]),
    el("#color-picker > label:nth-of-type(1)",
      { weight: 3, stage: 2 },
      [20, 918, 98, 44], [459, 368, 98, 44], [796, 368, 98, 44]),
    el("#color-picker > label:nth-of-type(2)",
      { weight: 4, stage: 2 },
      [129, 918, 98, 44], [568, 368, 98, 44], [905, 368, 98, 44]),
    el("#color-picker > label:nth-of-type(3)",
      { weight: 2, stage: 2 },
      [238, 918, 105, 44], [677, 368, 105, 44], [1013, 368, 105, 44]),
    el("#size-picker > label:nth-of-type(1)",
      { weight: 2, stage: 2 },
      [20, 1020, 56, 44], [459, 470, 56, 44], [796, 470, 56, 44]),
    el("#size-picker > label:nth-of-type(2)",
      { weight: 6, stage: 2 },
      [87, 1020, 56, 44], [526, 470, 56, 44], [862, 470, 56, 44]),
    el("#size-picker > label:nth-of-type(3)",
      { weight: 9, stage: 2 },
      [153, 1020, 56, 44], [592, 470, 56, 44], [929, 470, 56, 44]),
    el("#size-picker > label:nth-of-type(4)",
      { weight: 7, stage: 2 },
      [220, 1020, 56, 44], [659, 470, 56, 44], [996, 470, 56, 44]),
    el("#size-picker > label:nth-of-type(5)",
      { weight: 3, stage: 2 },
      [287, 1020, 56, 44], [726, 470, 56, 44], [1062, 470, 56, 44]),
    el("#size-guide-link",
      { weight: 3, stage: 2 },
      [20, 1093, 74, 22], [459, 543, 74, 22], [796, 543, 74, 22]),
    el("#quantity-minus",
      { weight: 3, stage: 3 },
      [21, 1167, 44, 44], [460, 617, 44, 44], [797, 617, 44, 44]),
    el("#quantity-input",
      { weight: 1, stage: 3 },
      [65, 1167, 48, 44], [504, 617, 48, 44], [841, 617, 48, 44]),
    el("#quantity-plus",
      { weight: 8, stage: 3 },
      [113, 1167, 44, 44], [552, 617, 44, 44], [889, 617, 44, 44]),
    el("#add-to-cart",
      { weight: 40, stage: 4 },
      [20, 1236, 350, 48], [459, 686, 329, 48], [796, 686, 476, 48]),
    el("#buy-now",
      { weight: 4, stage: 4 },
      [20, 1296, 350, 48], [459, 746, 329, 48], [796, 746, 476, 48]),
    el("#cart-notification-close",
      { weight: 1, stage: 4, fixed: true, after: "#add-to-cart" },
      [25, 262, 340, 29], [453, 274, 310, 29], [1057, 274, 310, 29]),
    el("#cart-notification-view",
      { weight: 12, to: "/cart", fixed: true, after: "#add-to-cart" },
      [25, 202, 340, 48], [453, 214, 310, 48], [1057, 214, 310, 48]),
    el("#size-guide > summary:nth-of-type(1)",
      { weight: 3, stage: 5 },
      [20, 1599, 350, 57], [459, 1073, 329, 57], [796, 1024, 476, 57]),
    el("#product-accordions > details:nth-of-type(2) > summary:nth-of-type(1)",
      { weight: 2, stage: 5 },
      [20, 1656, 350, 57], [459, 1131, 329, 57], [796, 1082, 476, 57]),
    el("#product-accordions > details:nth-of-type(3) > summary:nth-of-type(1)",
      { weight: 3, stage: 5 },
      [20, 1714, 350, 57], [459, 1189, 329, 57], [796, 1139, 476, 57]),
    el("#product-accordions > details:nth-of-type(4) > summary:nth-of-type(1)",
      { weight: 1, stage: 5 },
      [20, 1772, 350, 57], [459, 1247, 329, 57], [796, 1197, 476, 57]),
    el("#related-products > ul:nth-of-type(1) > li:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 3, to: "/products/wide-leg-trousers" },
      [20, 1999, 169, 271], [32, 1490, 368, 520], [168, 1441, 261, 386]),
    el("#related-products > ul:nth-of-type(1) > li:nth-of-type(2) > a:nth-of-type(1)",
      { weight: 3, to: "/products/oxford-shirt" },
      [201, 1999, 169, 271], [420, 1490, 368, 520], [449, 1441, 261, 386]),
    el("#related-products > ul:nth-of-type(1) > li:nth-of-type(3) > a:nth-of-type(1)",
      { weight: 2, to: "/products/canvas-tote" },
      [20, 2295, 169, 271], [32, 2042, 368, 520], [730, 1441, 261, 386]),
    el("#related-products > ul:nth-of-type(1) > li:nth-of-type(4) > a:nth-of-type(1)",
      { weight: 1, to: "/products/bucket-hat" },
      [201, 2295, 169, 271], [420, 2042, 368, 520], [1011, 1441, 261, 386]),
    el("#write-review",
      { weight: 1, stage: 6 },
      [20, 2754, 190, 48], [598, 2696, 190, 48], [1082, 1960, 190, 48]),
    el("#reviews-more",
      { weight: 2, stage: 6 },
      [20, 4719, 233, 48], [32, 4363, 233, 48], [168, 3504, 233, 48]),
  ],
  "/cart": [
    el("#continue-shopping",
      { weight: 6, to: "/collections/all" },
      [220, 150, 150, 25], [638, 169, 150, 25], [1122, 169, 150, 25]),
    el("#cart-item-1 > td:nth-of-type(1) > a:nth-of-type(1)",
      { weight: 2, to: "/products/linen-shirt" },
      [20, 231, 100, 125], [32, 290, 100, 125], [168, 290, 100, 125]),
    el("#cart-item-1 > td:nth-of-type(2) > a:nth-of-type(1)",
      { weight: 4, to: "/products/linen-shirt" },
      [136, 234, 88, 20], [152, 293, 88, 20], [288, 293, 88, 20]),
    el("#cart-item-1 > td:nth-of-type(3) > div:nth-of-type(1) > button:nth-of-type(1)",
      { weight: 4 },
      [137, 324, 44, 44], [429, 291, 44, 44], [716, 291, 44, 44]),
    el("#cart-item-1 > td:nth-of-type(3) > div:nth-of-type(1) > button:nth-of-type(2)",
      { weight: 5 },
      [229, 324, 44, 44], [521, 291, 44, 44], [808, 291, 44, 44]),
    el("#cart-item-1 > td:nth-of-type(3) > button:nth-of-type(1)",
      { weight: 2 },
      [136, 377, 55, 29], [428, 344, 55, 29], [715, 344, 55, 29]),
    el("#cart-item-2 > td:nth-of-type(2) > a:nth-of-type(1)",
      { weight: 1, to: "/products/canvas-tote" },
      [136, 475, 101, 20], [152, 467, 101, 20], [288, 467, 101, 20]),
    el("#cart-item-2 > td:nth-of-type(3) > div:nth-of-type(1) > button:nth-of-type(1)",
      { weight: 2 },
      [137, 564, 44, 44], [429, 465, 44, 44], [716, 465, 44, 44]),
    el("#cart-item-2 > td:nth-of-type(3) > div:nth-of-type(1) > button:nth-of-type(2)",
      { weight: 1 },
      [229, 564, 44, 44], [521, 465, 44, 44], [808, 465, 44, 44]),
    el("#cart-item-2 > td:nth-of-type(3) > button:nth-of-type(1)",
      { weight: 3 },
      [136, 617, 55, 29], [428, 518, 55, 29], [715, 518, 55, 29]),
    el("#cart-note",
      { weight: 2 },
      [20, 754, 350, 100], [32, 676, 348, 100], [168, 676, 696, 100]),
    el("#checkout",
      { weight: 40, to: "/checkouts" },
      [20, 968, 350, 48], [428, 727, 360, 48], [912, 727, 360, 48]),
  ],
};

/** Share of sessions per device class, and the viewports each one uses. */
const DEVICE_MIX: ReadonlyArray<[DeviceClass, number]> = [
  ["mobile", 55],
  ["tablet", 10],
  ["desktop", 35],
];

const VIEWPORTS: Record<DeviceClass, ReadonlyArray<[number, number]>> = {
  mobile: [
    [375, 812],
    [390, 844],
  ],
  tablet: [
    [768, 1024],
    [820, 1180],
  ],
  desktop: [
    [1440, 900],
    [1366, 768],
    [1920, 1080],
  ],
};

/** First page of a session, weighted. */
const LANDING_PAGES: ReadonlyArray<[DemoPath, number]> = [
  ["/", 72],
  ["/collections/all", 14],
  ["/products/linen-shirt", 12],
  ["/cart", 2],
];

/**
 * Next step after each page, weighted. Over 2,000 generated sessions these
 * weights give a funnel in which about 73% of sessions see the home page,
 * 49% the collection, 37% the product and 16% the cart.
 */
const NEXT_STEP: Record<
  DemoPath,
  ReadonlyArray<[DemoPath | "exit", number]>
> = {
  "/": [
    ["/collections/all", 45],
    ["/products/linen-shirt", 8],
    ["/cart", 2],
    ["exit", 45],
  ],
  "/collections/all": [
    ["/products/linen-shirt", 40],
    ["/", 4],
    ["/cart", 2],
    ["exit", 54],
  ],
  "/products/linen-shirt": [
    ["/cart", 28],
    ["/collections/all", 12],
    ["/", 3],
    ["exit", 57],
  ],
  "/cart": [
    ["/collections/all", 8],
    ["/products/linen-shirt", 5],
    ["exit", 87],
  ],
};

/** External referrers of a session's first page; "" is direct traffic. */
const REFERRERS: ReadonlyArray<[string, number]> = [
  ["", 35],
  ["https://www.google.com/", 30],
  ["https://www.instagram.com/", 20],
  ["https://www.facebook.com/", 10],
  ["https://www.pinterest.com/", 5],
];

/** Relative sessions per UTC hour: an invented curve with an evening peak. */
const HOUR_WEIGHTS = [
  2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 10, 9, 8, 8, 8, 9, 11, 13, 14, 12, 8, 4,
];

const ADD_TO_CART = "#add-to-cart";
const MENU_TOGGLE = "#menu-toggle";
const RETURNING_VISITOR_SHARE = 0.2;
const MAX_PAGES_PER_SESSION = 10;
/** Share of product pages on the way to the cart that click Add to cart. */
const ADD_BEFORE_CART_SHARE = 0.9;
/** Share of Add to cart clicks followed by quick repeats (impatience). */
const RAPID_REPEAT_SHARE = 0.15;
/** Share of clicks with a follow-up (`after`) that get that follow-up. */
const FOLLOW_UP_SHARE = 0.1;
const SECOND_MS = 1000;
const HOUR_MS = 60 * 60 * SECOND_MS;
const DAY_MS = 24 * HOUR_MS;
const MAX_DWELL_MS = 10 * 60 * SECOND_MS;
/**
 * Sessions start at least this long before `now`, which is more than the
 * longest possible session (ten pages of {@link MAX_DWELL_MS} each), so no
 * event is dated after `now`.
 */
const SESSION_END_MARGIN_MS = 2 * HOUR_MS;

export interface GenerateDemoTrafficOptions {
  /** The shop's `*.myshopify.com` domain. */
  shop: string;
  sessions: number;
  seed: number;
  /** Sessions end before this moment. */
  now: Date;
  /** Sessions start within this many days before `now`. */
  days: number;
  /** Storefront origin used in internal referrers; default `https://<shop>`. */
  origin?: string;
}

/**
 * Seeded pseudo-random generator (Mulberry32, 32-bit state). It is fast and
 * good enough for fake traffic, but not for anything that must be secret.
 */
export class DemoRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Returns an integer in [min, max]. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let target = this.next() * total;
    for (const [value, weight] of entries) {
      target -= weight;
      if (target < 0) return value;
    }
    return entries[entries.length - 1][0];
  }

  /** Standard normal sample (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Poisson sample (Knuth), for small means. */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count += 1;
      product *= this.next();
    }
    return count;
  }

  /** Random (version 4) UUID drawn from this generator. */
  uuid(): string {
    const bytes = Array.from({ length: 16 }, () => this.integer(0, 255));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.map((byte) => byte.toString(16).padStart(2, "0"));
    return [
      hex.slice(0, 4).join(""),
      hex.slice(4, 6).join(""),
      hex.slice(6, 8).join(""),
      hex.slice(8, 10).join(""),
      hex.slice(10, 16).join(""),
    ].join("-");
  }
}

interface Visitor {
  id: string;
  device: DeviceClass;
  viewportWidth: number;
  viewportHeight: number;
}

type BatchBase = Omit<BatchPayload, "batchId" | "sentAt" | "events">;

interface PlannedClick {
  element: DemoElement;
  /** Added right after the previous click, for a quick repeat. */
  repeat?: boolean;
}

function deviceIndex(device: DeviceClass): number {
  return DEVICES.indexOf(device);
}

function elementsOf(path: DemoPath): DemoElement[] {
  return [...DEMO_ELEMENTS.header, ...DEMO_ELEMENTS[path]];
}

function isDemoPath(value: string | undefined): value is DemoPath {
  return DEMO_PATHS.includes(value as DemoPath);
}

/**
 * Scales a reference box to the shopper's viewport width. Mobile and tablet
 * layouts are fluid, so x and width scale with the viewport. The desktop
 * layout is a centred column of at most 1200px, so it shifts by half the
 * difference in width.
 */
function boxFor(element: DemoElement, visitor: Visitor): Box | null {
  const box = element.box[deviceIndex(visitor.device)];
  if (box === null) return null;
  const [x, y, width, height] = box;
  const reference = REFERENCE_WIDTH[visitor.device];
  if (visitor.device === "desktop") {
    return [x + (visitor.viewportWidth - reference) / 2, y, width, height];
  }
  const scale = visitor.viewportWidth / reference;
  return [x * scale, y, width * scale, height];
}

/**
 * Returns whether the shopper could see the element: always in the sticky
 * header, else when its centre is above the deepest scroll.
 */
function isReachable(
  element: DemoElement,
  visitor: Visitor,
  maxDepthPx: number,
): boolean {
  const box = boxFor(element, visitor);
  if (box === null) return false;
  return element.fixed === true || box[1] + box[3] / 2 <= maxDepthPx;
}

/**
 * Draws the deepest scroll of a page view. Most shoppers stop between 30%
 * and 50% of the page, some never scroll and few reach the bottom.
 */
function drawScrollDepth(
  random: DemoRandom,
  documentHeight: number,
  viewportHeight: number,
): number {
  const fraction = random.weighted<() => number>([
    [() => 0, 14],
    [() => random.between(0.2, 0.3), 12],
    [() => random.between(0.3, 0.5), 44],
    [() => random.between(0.5, 0.8), 20],
    [() => random.between(0.8, 0.99), 4],
    [() => 1, 6],
  ])();
  const depth = Math.round(fraction * documentHeight);
  return Math.min(documentHeight, Math.max(viewportHeight, depth));
}

interface PageView {
  page: PagePayload;
  visitor: Visitor;
  maxDepthPx: number;
}

interface PageViewPlan {
  clicks: PlannedClick[];
  maxDepthPx: number;
}

/**
 * Plans one page view: its deepest scroll and its clicks, in the order they
 * happen. A shopper who follows a link or adds to cart has scrolled far
 * enough to see it, so those clicks can push the scroll depth down.
 */
function planPageView(
  random: DemoRandom,
  path: DemoPath,
  next: DemoPath | "exit",
  visitor: Visitor,
): PageViewPlan {
  const elements = elementsOf(path).filter(
    (element) => boxFor(element, visitor) !== null,
  );
  const documentHeight =
    DEMO_PAGES[path].documentHeight[deviceIndex(visitor.device)];
  let maxDepthPx = drawScrollDepth(
    random,
    documentHeight,
    visitor.viewportHeight,
  );

  const addToCart = elements.find((e) => e.selector === ADD_TO_CART);
  const addsToCart =
    addToCart !== undefined &&
    next === "/cart" &&
    random.chance(ADD_BEFORE_CART_SHARE);
  const unlocked = new Set(addsToCart ? [ADD_TO_CART] : []);
  const navigation = pickNavigation(random, elements, next, path, unlocked);
  for (const required of [navigation, addsToCart ? addToCart : null]) {
    if (!required || required.fixed) continue;
    const [, y, , height] = boxFor(required, visitor)!;
    const seen = Math.round(y + height + random.integer(40, 240));
    maxDepthPx = Math.max(maxDepthPx, Math.min(documentHeight, seen));
  }

  const actions = elements.filter(
    (element) =>
      element.to === undefined &&
      element.after === undefined &&
      isReachable(element, visitor, maxDepthPx),
  );
  const picked = drawDistinct(
    random,
    actions,
    random.poisson(DEMO_PAGES[path].meanActionClicks),
  );
  if (addsToCart && !picked.includes(addToCart)) picked.push(addToCart);
  const ordered = orderClicks(random, picked, elements, visitor);
  if (navigation !== null) ordered.push(navigation);

  const clicks: PlannedClick[] = [];
  let menuOpen = false;
  for (const element of ordered) {
    if (element.inMenu && visitor.device === "mobile" && !menuOpen) {
      const toggle = elements.find((e) => e.selector === MENU_TOGGLE);
      if (toggle) clicks.push({ element: toggle });
      menuOpen = true;
    }
    clicks.push({ element });
    if (element === addToCart && random.chance(RAPID_REPEAT_SHARE)) {
      const repeats = random.integer(2, 4);
      for (let i = 0; i < repeats; i += 1) {
        clicks.push({ element, repeat: true });
      }
    }
  }
  return { clicks, maxDepthPx };
}

/** Draws up to `count` different elements, weighted by popularity. */
function drawDistinct(
  random: DemoRandom,
  elements: DemoElement[],
  count: number,
): DemoElement[] {
  const remaining = [...elements];
  const drawn: DemoElement[] = [];
  while (drawn.length < count && remaining.length > 0) {
    const element = random.weighted(
      remaining.map((e) => [e, e.weight] as const),
    );
    drawn.push(element);
    remaining.splice(remaining.indexOf(element), 1);
  }
  return drawn;
}

/**
 * Orders clicks by stage, then top to bottom, and adds follow-up clicks
 * (such as closing the cart notification) right after the click they need.
 */
function orderClicks(
  random: DemoRandom,
  picked: DemoElement[],
  elements: DemoElement[],
  visitor: Visitor,
): DemoElement[] {
  const key = (element: DemoElement) =>
    (element.stage ?? 0) * 100_000 + (boxFor(element, visitor)?.[1] ?? 0);
  const ordered = [...picked].sort((a, b) => key(a) - key(b));
  for (const followUp of elements) {
    if (followUp.to !== undefined || followUp.after === undefined) continue;
    const index = ordered.findIndex((e) => e.selector === followUp.after);
    if (index >= 0 && random.chance(FOLLOW_UP_SHARE)) {
      ordered.splice(index + 1, 0, followUp);
    }
  }
  return ordered;
}

/**
 * Picks the link that leads to the next page, or null when the shopper gets
 * there another way (back button, typed URL) or leaves without a click.
 * Links that need an earlier click qualify only when it is in `unlocked`.
 */
function pickNavigation(
  random: DemoRandom,
  elements: DemoElement[],
  next: DemoPath | "exit",
  path: DemoPath,
  unlocked: ReadonlySet<string>,
): DemoElement | null {
  let links: DemoElement[];
  if (next === "exit") {
    if (!random.chance(DEMO_PAGES[path].exitClickShare)) return null;
    links = elements.filter((e) => e.to !== undefined && !isDemoPath(e.to));
  } else {
    links = elements.filter((e) => e.to === next);
  }
  links = links.filter((e) => e.after === undefined || unlocked.has(e.after));
  if (links.length === 0) return null;
  return random.weighted(links.map((link) => [link, link.weight] as const));
}

/** Draws a click position, concentrated near the element's centre. */
function drawOffset(random: DemoRandom, spread: number): number {
  const offset = 0.5 + random.normal() * spread;
  return Math.round(Math.min(0.97, Math.max(0.03, offset)) * 1e4) / 1e4;
}

/**
 * Builds a click event. Outside the sticky header, the click lands in the
 * part of the element above `maxDepthPx`, the part the shopper has seen.
 */
function buildClick(
  random: DemoRandom,
  view: PageView,
  planned: PlannedClick,
  previous: ClickPayload | undefined,
  at: number,
): ClickPayload {
  const { page, visitor, maxDepthPx } = view;
  const { element } = planned;
  const [boxX, boxY, width, height] = boxFor(element, visitor)!;
  const seenHeight = element.fixed ? height : maxDepthPx - boxY;
  const maxOffsetY = Math.min(1, Math.floor((seenHeight / height) * 1e4) / 1e4);
  const jitter = () => random.normal() * 0.002;
  const offsetX =
    planned.repeat && previous
      ? clampOffset(previous.offsetX + jitter())
      : drawOffset(random, 0.16);
  const offsetY = Math.min(
    maxOffsetY,
    planned.repeat && previous
      ? clampOffset(previous.offsetY + jitter())
      : drawOffset(random, 0.18),
  );
  return {
    type: "click",
    page: page.id,
    at,
    x: Math.min(visitor.viewportWidth - 1, Math.round(boxX + offsetX * width)),
    y: Math.floor(boxY + offsetY * height),
    viewportWidth: visitor.viewportWidth,
    viewportHeight: visitor.viewportHeight,
    selector: element.selector,
    offsetX,
    offsetY,
    fixed: element.fixed === true,
    touch: visitor.device !== "desktop",
    outcome: demoOutcome(random, element, planned.repeat === true),
  };
}

/** Share of clicks on non-link elements that the page ignores (dead). */
const DEMO_DEAD_CLICK_SHARE = 0.04;

/**
 * Decides what a demo click caused. Quick repeats on a button get no reaction,
 * the pattern of a rage click; a few other clicks get none either.
 */
function demoOutcome(
  random: DemoRandom,
  element: DemoElement,
  repeat: boolean,
): ClickOutcome {
  const targetKind: ClickOutcome["targetKind"] = element.to
    ? "link"
    : /quantity-(plus|minus)/.test(element.selector)
      ? "stepper"
      : /picker|swatch|size-|color-/.test(element.selector)
        ? "toggle"
        : "button";
  const ignored =
    (repeat && targetKind === "button") ||
    (!element.to && random.next() < DEMO_DEAD_CLICK_SHARE);
  return {
    targetKind,
    opensNewTab: false,
    domChangeMs: ignored ? null : 30 + Math.round(random.next() * 300),
    scrollMs: null,
    selectionChangeMs: null,
    navigationMs: element.to ? 80 : null,
    visibilityChangeMs: null,
    focusChangeMs: null,
    hidden: false,
  };
}

function clampOffset(value: number): number {
  return Math.round(Math.min(1, Math.max(0, value)) * 1e4) / 1e4;
}

/** Draws when each click happens, in order, inside [start, end]. */
function clickTimes(
  random: DemoRandom,
  clicks: PlannedClick[],
  start: number,
  end: number,
  navigates: boolean,
): number[] {
  const earliest = start + 1200;
  const times: number[] = [];
  let previous = earliest;
  for (const [index, click] of clicks.entries()) {
    const isLast = index === clicks.length - 1;
    let at: number;
    if (click.repeat) {
      at = previous + random.integer(120, 320);
    } else if (isLast && navigates) {
      at = Math.max(previous + 300, end - random.integer(80, 400));
    } else {
      const remaining = clicks.length - index;
      const span = Math.max(0, end - 600 - previous);
      at = previous + Math.round(random.between(0.2, 1) * (span / remaining));
    }
    times.push(Math.round(at));
    previous = at;
  }
  return times;
}

function drawDwellMs(random: DemoRandom, path: DemoPath): number {
  const median = DEMO_PAGES[path].medianDwellSeconds * SECOND_MS;
  const dwell = median * Math.exp(random.normal() * 0.6);
  return Math.round(Math.min(MAX_DWELL_MS, Math.max(4000, dwell)));
}

function drawSessionStart(
  random: DemoRandom,
  now: number,
  days: number,
): number {
  const earliest = now - days * DAY_MS;
  const latest = now - SESSION_END_MARGIN_MS;
  const daysBack = random.integer(0, days - 1);
  const dayStart = Math.floor((now - daysBack * DAY_MS) / DAY_MS) * DAY_MS;
  const hour = random.weighted(HOUR_WEIGHTS.map((w, h) => [h, w] as const));
  let start = dayStart + hour * HOUR_MS + Math.floor(random.next() * HOUR_MS);
  if (start > latest) start -= DAY_MS;
  return Math.min(latest, Math.max(earliest, start));
}

function drawVisitor(random: DemoRandom): Visitor {
  const device = random.weighted(DEVICE_MIX);
  const [viewportWidth, viewportHeight] = random.pick(VIEWPORTS[device]);
  return { id: random.uuid(), device, viewportWidth, viewportHeight };
}

/** Splits a page view's events into batches within the ingest limits. */
function toBatches(
  random: DemoRandom,
  base: BatchBase,
  events: EventPayload[],
): BatchPayload[] {
  const batches: BatchPayload[] = [];
  for (let i = 0; i < events.length; i += MAX_EVENTS_PER_BATCH) {
    const chunk = events.slice(i, i + MAX_EVENTS_PER_BATCH);
    const lastAt = chunk[chunk.length - 1].at;
    batches.push({
      ...base,
      batchId: random.uuid(),
      sentAt: lastAt + random.integer(40, 1500),
      events: chunk,
    });
  }
  return batches;
}

/**
 * Generates demo sessions as collect batches: one batch per page view,
 * holding its clicks and one scroll event. The output depends only on the
 * options, so one seed always gives the same traffic.
 */
export function generateDemoTraffic(
  options: GenerateDemoTrafficOptions,
): BatchPayload[] {
  validateOptions(options);
  const random = new DemoRandom(options.seed);
  const now = options.now.getTime();
  const origin = options.origin ?? `https://${options.shop}`;
  const starts = Array.from({ length: options.sessions }, () =>
    drawSessionStart(random, now, options.days),
  ).sort((a, b) => a - b);

  const visitors: Visitor[] = [];
  const batches: BatchPayload[] = [];
  for (const sessionStart of starts) {
    let visitor: Visitor;
    if (visitors.length > 0 && random.chance(RETURNING_VISITOR_SHARE)) {
      visitor = random.pick(visitors);
    } else {
      visitor = drawVisitor(random);
      visitors.push(visitor);
    }
    const sessionId = random.uuid();
    let path: DemoPath = random.weighted(LANDING_PAGES);
    let referrer = random.weighted(REFERRERS);
    let startedAt = sessionStart;

    for (let count = 1; count <= MAX_PAGES_PER_SESSION; count += 1) {
      const next: DemoPath | "exit" =
        count === MAX_PAGES_PER_SESSION
          ? "exit"
          : random.weighted(NEXT_STEP[path]);
      const page: PagePayload = {
        id: random.uuid(),
        path,
        title: DEMO_PAGES[path].title,
        referrer,
        startedAt,
        viewportWidth: visitor.viewportWidth,
        viewportHeight: visitor.viewportHeight,
        device: visitor.device,
      };
      const documentHeight =
        DEMO_PAGES[path].documentHeight[deviceIndex(visitor.device)];
      const { clicks: planned, maxDepthPx } = planPageView(
        random,
        path,
        next,
        visitor,
      );
      const end = startedAt + drawDwellMs(random, path);
      const navigates = planned.at(-1)?.element.to !== undefined;
      const times = clickTimes(random, planned, startedAt, end, navigates);

      const events: EventPayload[] = [];
      let previous: ClickPayload | undefined;
      for (const [index, click] of planned.entries()) {
        const view = { page, visitor, maxDepthPx };
        previous = buildClick(random, view, click, previous, times[index]);
        events.push(previous);
      }
      events.push(
        ...demoBehaviourEvents(random, {
          page,
          device: visitor.device,
          elements: elementsOf(path).flatMap((element) => {
            const box = boxFor(element, visitor);
            return box && isReachable(element, visitor, maxDepthPx)
              ? [{ element, box }]
              : [];
          }),
          clicks: events.filter(
            (event): event is ClickPayload => event.type === "click",
          ),
          end,
        }),
      );
      events.sort((a, b) => a.at - b.at);
      const lastClickAt = times.at(-1) ?? startedAt;
      events.push({
        type: "scroll",
        page: page.id,
        at: Math.max(end, lastClickAt + 50),
        maxDepthPx,
        documentHeight,
      });

      const base: BatchBase = {
        v: PAYLOAD_VERSION,
        shop: options.shop,
        visitorId: visitor.id,
        sessionId,
        pages: [page],
      };
      batches.push(...toBatches(random, base, events));

      if (next === "exit") break;
      referrer = `${origin}${path}`;
      startedAt = Math.max(end, lastClickAt) + random.integer(300, 2500);
      path = next;
    }
  }
  return batches;
}

function validateOptions(options: GenerateDemoTrafficOptions): void {
  if (!Number.isInteger(options.sessions) || options.sessions < 0) {
    throw new RangeError(
      `sessions must be a whole number >= 0, got ${options.sessions}`,
    );
  }
  if (!Number.isInteger(options.days) || options.days < 1) {
    throw new RangeError(
      `days must be a whole number >= 1, got ${options.days}`,
    );
  }
  if (Number.isNaN(options.now.getTime())) {
    throw new RangeError("now is an invalid Date");
  }
}

const STOREFRONT_DIR = fileURLToPath(
  new URL("../../public/storefront/", import.meta.url),
);

/** Storefront file of each demo page. */
const PAGE_FILES: Record<DemoPath, string> = {
  "/": "index.html",
  "/collections/all": "collections/all.html",
  "/products/linen-shirt": "products/linen-shirt.html",
  "/cart": "cart.html",
};

const STYLESHEET_LINK =
  /<link\s+rel="stylesheet"\s+href="\/(assets\/[\w.-]+\.css)"\s*\/?>/g;

export interface DemoSnapshotOptions {
  shop: string;
  /** Storefront origin, against which links in the snapshot resolve. */
  origin: string;
  /**
   * Page views to attach snapshots to. The first view of each path and
   * device class gets one; views of other paths are ignored.
   */
  pages: readonly PagePayload[];
  /** Folder of the storefront pages; defaults to public/storefront. */
  storefrontDir?: string;
}

/**
 * Builds one DOM snapshot per demo path and device class, for the first
 * given page view of each pair. See {@link createSnapshotBuilder}.
 */
export async function demoSnapshotPayloads(
  options: DemoSnapshotOptions,
): Promise<SnapshotPayload[]> {
  const build = createSnapshotBuilder(options);
  const firstViews = new Map<string, PagePayload>();
  for (const page of options.pages) {
    const key = `${page.path} ${page.device}`;
    if (isDemoPath(page.path) && !firstViews.has(key)) {
      firstViews.set(key, page);
    }
  }
  return Promise.all([...firstViews.values()].map(build));
}

/**
 * Returns a function that builds the snapshot payload of a demo page view.
 * Each payload contains rrweb-snapshot's serialized tree with inputs masked,
 * scripts dropped and the stylesheet inlined, so the admin can rebuild the
 * page without the storefront server. jsdom does no layout, so
 * `documentHeight` comes from {@link DEMO_PAGES}. Each page is serialized
 * once and its tree shared by all payloads of that path.
 */
function createSnapshotBuilder(
  options: Omit<DemoSnapshotOptions, "pages">,
): (page: PagePayload) => Promise<SnapshotPayload> {
  const storefrontDir = options.storefrontDir ?? STOREFRONT_DIR;
  const trees = new Map<DemoPath, Promise<unknown>>();

  return async (page) => {
    if (!isDemoPath(page.path)) {
      throw new Error(`no demo page for path ${page.path}`);
    }
    const path = page.path;
    let tree = trees.get(path);
    if (tree === undefined) {
      tree = inlineStylesheets(storefrontDir, PAGE_FILES[path]).then((html) =>
        serializePage(html, `${options.origin}${path}`),
      );
      trees.set(path, tree);
    }
    return {
      v: PAYLOAD_VERSION,
      shop: options.shop,
      page: page.id,
      path,
      device: page.device,
      viewportWidth: page.viewportWidth,
      viewportHeight: page.viewportHeight,
      documentHeight: DEMO_PAGES[path].documentHeight[deviceIndex(page.device)],
      node: await tree,
      keyElements: demoKeyElements(path, page.device),
    };
  };
}

/** Key elements of a demo page, placed by their element table boxes. */
const DEMO_KEY_ELEMENTS: [KeyElementPayload["name"], string][] = [
  ["Add to cart", "#add-to-cart"],
  ["Buy now", "#buy-now"],
  ["Reviews", "#reviews-more"],
];

function demoKeyElements(
  path: DemoPath,
  device: DeviceClass,
): KeyElementPayload[] {
  return DEMO_KEY_ELEMENTS.flatMap(([name, selector]) => {
    const element = elementsOf(path).find((e) => e.selector === selector);
    const box = element?.box[deviceIndex(device)];
    return box && !element?.fixed ? [{ name, top: box[1] }] : [];
  });
}

async function inlineStylesheets(
  storefrontDir: string,
  file: string,
): Promise<string> {
  let html = await readFile(path.join(storefrontDir, file), "utf8");
  for (const [link, href] of [...html.matchAll(STYLESHEET_LINK)]) {
    const css = await readFile(path.join(storefrontDir, href), "utf8");
    html = html.replace(link, () => `<style>${css}</style>`);
  }
  return html;
}

/**
 * Serializes a page with rrweb-snapshot over a jsdom document. jsdom and
 * rrweb-snapshot load on first use, so generating traffic needs neither.
 */
async function serializePage(html: string, url: string): Promise<unknown> {
  const [{ JSDOM }, { snapshot }] = await Promise.all([
    import("jsdom"),
    import("rrweb-snapshot"),
  ]);
  const dom = new JSDOM(html, { url });
  try {
    return withDomGlobals(dom.window, () =>
      snapshot(dom.window.document, {
        maskAllInputs: true,
        inlineStylesheet: true,
        slimDOM: true,
      }),
    );
  } finally {
    dom.window.close();
  }
}

/**
 * Runs `run` with jsdom's DOM constructors installed as globals. The
 * rrweb-snapshot 2.1.6 build reads `Node`, `Element` and a few others from
 * the global scope, which Node.js lacks. The previous values are restored.
 */
function withDomGlobals<T>(window: object, run: () => T): T {
  const names = [
    "window",
    "Node",
    "Element",
    "HTMLFormElement",
    "ShadowRoot",
    "MutationObserver",
  ];
  const scope = globalThis as Record<string, unknown>;
  const saved = names.map((name) => [name, scope[name]] as const);
  for (const name of names) {
    scope[name] =
      name === "window" ? window : (window as Record<string, unknown>)[name];
  }
  try {
    return run();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete scope[name];
      else scope[name] = value;
    }
  }
}

export interface SeedDemoTrafficOptions extends GenerateDemoTrafficOptions {
  /** The collect endpoint, e.g. `http://127.0.0.1:3000/collect`. */
  ingestUrl: string;
  /** Storefront origin, sent as the `Origin` header like a browser would. */
  origin: string;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Upload the DOM snapshots the endpoint requests; default true. */
  snapshots?: boolean;
  storefrontDir?: string;
  /** Called after each batch with the batches sent so far and in total. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeedDemoTrafficResult {
  batches: number;
  events: number;
  snapshots: number;
}

const DEFAULT_CONCURRENCY = 4;
/** Maximum attempts per request while the endpoint returns 429 or 503. */
const MAX_ATTEMPTS = 6;
/** Maximum wait between attempts, even when Retry-After is longer. */
const MAX_RETRY_DELAY_MS = 30 * SECOND_MS;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Browser user agents per device class. The ingest endpoint flags sessions
 * whose user agent looks like a bot (Node's fetch sends `node`), and the
 * reports leave those sessions out.
 */
const USER_AGENTS: Record<DeviceClass, readonly string[]> = {
  mobile: [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  ],
  tablet: [
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  ],
  desktop: [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  ],
};

/** Returns the user agent of a batch's browser, stable per visitor. */
export function demoUserAgent(batch: BatchPayload): string {
  const agents = USER_AGENTS[batch.pages[0]?.device ?? "desktop"];
  const hash = [...batch.visitorId].reduce(
    (sum, char) => sum + char.charCodeAt(0),
    0,
  );
  return agents[hash % agents.length];
}

/**
 * Generates demo traffic and posts it to a local ingest endpoint as the
 * storefront script would. Each batch goes as JSON text, with `sentAt` set
 * to the time of sending. Unless `snapshots` is false, each page view listed
 * in a response's `snapshotPages` gets its gzipped DOM snapshot posted to
 * `<ingestUrl>/snapshot` right away, because the endpoint accepts only the
 * snapshots it requested. Retries 429 and 503 responses and rejects on any
 * other status outside 2xx.
 */
export async function seedDemoTraffic(
  options: SeedDemoTrafficOptions,
): Promise<SeedDemoTrafficResult> {
  const ingestUrl = requireLoopbackUrl(options.ingestUrl, "ingestUrl");
  const snapshotUrl = `${ingestUrl.href.replace(/\/+$/, "")}/snapshot`;
  const batches = generateDemoTraffic(options);
  const buildSnapshot = createSnapshotBuilder(options);
  const uploadSnapshots = options.snapshots ?? true;
  let done = 0;
  let snapshots = 0;

  await runWithConcurrency(
    batches,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async (batch) => {
      const userAgent = demoUserAgent(batch);
      // The endpoint shifts event times by (receipt time - sentAt) to undo
      // browser clock skew. Sending the real send time keeps the generated
      // history in the past instead of moving every event to today.
      const sentAt = Math.max(batch.sentAt, Date.now());
      const responseText = await postWithRetry(ingestUrl.href, {
        body: JSON.stringify({ ...batch, sentAt }),
        headers: {
          "Content-Type": "text/plain",
          Origin: options.origin,
          "User-Agent": userAgent,
        },
      });

      const requested = new Set(readSnapshotPages(responseText));
      const pages = batch.pages.filter((page) => requested.has(page.id));
      for (const page of uploadSnapshots ? pages : []) {
        const payload = await buildSnapshot(page);
        const url = `${snapshotUrl}?shop=${encodeURIComponent(options.shop)}&page=${page.id}`;
        await postWithRetry(url, {
          body: gzipSync(JSON.stringify(payload)),
          headers: {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            Origin: options.origin,
            "User-Agent": userAgent,
          },
        });
        snapshots += 1;
      }

      done += 1;
      options.onProgress?.(done, batches.length);
    },
  );

  const events = batches.reduce((sum, batch) => sum + batch.events.length, 0);
  return { batches: batches.length, events, snapshots };
}

/** Parses `url` and rejects any host but this machine's loopback. */
function requireLoopbackUrl(url: string, name: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${name} is not a valid URL: ${url}`);
  }
  const loopback =
    LOOPBACK_HOSTS.has(parsed.hostname) ||
    /^127(\.\d{1,3}){3}$/.test(parsed.hostname);
  if (!loopback || !["http:", "https:"].includes(parsed.protocol)) {
    throw new Error(
      `${name} must be an http(s) URL on this machine (127.0.0.1, ` +
        `localhost or [::1]), got ${url}: demo traffic is fake and must ` +
        `never reach a real shop's data`,
    );
  }
  return parsed;
}

interface PostRequest {
  body: string | Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

/**
 * POSTs and returns the response text, retrying on 429 and 503 after the
 * delay in Retry-After (seconds or an HTTP date), else with backoff.
 */
async function postWithRetry(
  url: string,
  request: PostRequest,
): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    let response: Response;
    try {
      response = await fetch(url, { method: "POST", ...request });
    } catch (error) {
      const reason = error instanceof Error ? (error.cause ?? error) : error;
      throw new Error(
        `POST ${url} failed: ${String(reason)}. Is the app server running?`,
        { cause: error },
      );
    }
    const text = await response.text();
    if (response.ok) return text;

    const retryable = response.status === 429 || response.status === 503;
    if (!retryable || attempt === MAX_ATTEMPTS) {
      const tries = retryable ? ` after ${attempt} attempts` : "";
      throw new Error(
        `POST ${url} returned ${response.status} ` +
          `${response.statusText}${tries}: ${text.slice(0, 2000)}`,
      );
    }
    const delay = retryDelayMs(response.headers.get("retry-after"), attempt);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function retryDelayMs(retryAfter: string | null, attempt: number): number {
  const backoff = 250 * 2 ** (attempt - 1);
  let delay = backoff;
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) {
    delay = Number(retryAfter) * SECOND_MS;
  } else if (retryAfter !== null && !Number.isNaN(Date.parse(retryAfter))) {
    delay = Math.max(0, Date.parse(retryAfter) - Date.now());
  }
  return Math.min(MAX_RETRY_DELAY_MS, delay);
}

/** Reads `snapshotPages` from a collect response, or [] when absent. */
function readSnapshotPages(responseText: string): string[] {
  try {
    const body = JSON.parse(responseText) as { snapshotPages?: unknown };
    const ids = body.snapshotPages;
    return Array.isArray(ids) ? ids.filter((id) => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/** Runs `task` over `items`, at most `limit` at a time, until one fails. */
async function runWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let nextIndex = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && nextIndex < items.length) {
      const item = items[nextIndex];
      nextIndex += 1;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
}
