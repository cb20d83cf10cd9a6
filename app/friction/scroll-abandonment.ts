import type { KeyElement, PageViewDepth } from "./types";

// Algorithm: turn each page view's deepest point into a percent of its
// document height and count page views per band of SCROLL_BAND_PERCENT.
// The band with the most page views is where most shoppers stop, and the
// shallower band wins a tie. A key element is reached when the viewport's
// bottom edge passed its top by KEY_ELEMENT_VISIBLE_PX. Elements reached by
// fewer than KEY_ELEMENT_MIN_REACH of page views are returned as unreached.

/** Ten bands are fine enough to place a drop-off and coarse enough to fill. */
export const SCROLL_BAND_PERCENT = 10;
/** About one line of text: enough of the element to see what it is. */
export const KEY_ELEMENT_VISIBLE_PX = 40;
/** Elements that fewer than half the page views reach are reported. */
export const KEY_ELEMENT_MIN_REACH = 0.5;

export interface DepthBand {
  /** Bounds in percent of the page. The last band includes 100. */
  fromPercent: number;
  toPercent: number;
  pageViews: number;
  /** Share (0..1) of all page views that stopped in this band. */
  share: number;
}

export interface KeyElementReach {
  name: string;
  top: number;
  /** Share (0..1) of page views that reached the element. */
  reach: number;
  pageViewsNotReaching: number;
}

export interface ScrollAbandonment {
  pageViews: number;
  /** Every band from the top of the page down, for a drop-off chart. */
  bands: DepthBand[];
  /** Band where the most page views stopped, or null without page views. */
  stopBand: DepthBand | null;
  /** Key elements most page views never reached, least reached first. */
  unreached: KeyElementReach[];
}

/**
 * Finds where page views stop scrolling and which key elements most of
 * them never see. Page views with a document height of 0 are skipped.
 *
 * NOTE: element positions are compared with raw depths in px, so pass page
 * views of one layout (one device class) together with that layout's
 * element positions.
 */
export function detectScrollAbandonment(
  depths: PageViewDepth[],
  keyElements: KeyElement[],
): ScrollAbandonment {
  const valid = depths.filter((depth) => depth.documentHeight > 0);
  if (valid.length === 0) {
    return { pageViews: 0, bands: [], stopBand: null, unreached: [] };
  }

  const bandCount = Math.ceil(100 / SCROLL_BAND_PERCENT);
  const counts = new Array<number>(bandCount).fill(0);
  for (const depth of valid) {
    counts[bandIndex(depth, bandCount)] += 1;
  }
  const bands = counts.map((pageViews, index) => ({
    fromPercent: index * SCROLL_BAND_PERCENT,
    toPercent: Math.min(100, (index + 1) * SCROLL_BAND_PERCENT),
    pageViews,
    share: pageViews / valid.length,
  }));
  const stopBand = bands[counts.indexOf(Math.max(...counts))];

  const unreached = keyElements
    .map((element) => reachOf(element, valid))
    .filter((element) => element.reach < KEY_ELEMENT_MIN_REACH)
    .sort((a, b) => a.reach - b.reach || a.top - b.top);

  return { pageViews: valid.length, bands, stopBand, unreached };
}

function bandIndex(depth: PageViewDepth, bandCount: number): number {
  const percent = (100 * depth.maxDepthPx) / depth.documentHeight;
  const index = Math.floor(percent / SCROLL_BAND_PERCENT);
  // A depth at 100 % (or past it, when the page shrank) is in the last band.
  return Math.min(Math.max(index, 0), bandCount - 1);
}

function reachOf(
  element: KeyElement,
  depths: PageViewDepth[],
): KeyElementReach {
  const needed = element.top + KEY_ELEMENT_VISIBLE_PX;
  // A page shorter than `needed` shows the element once scrolled to its end.
  const reached = depths.filter(
    (depth) => depth.maxDepthPx >= Math.min(needed, depth.documentHeight),
  ).length;
  return {
    name: element.name,
    top: element.top,
    reach: reached / depths.length,
    pageViewsNotReaching: depths.length - reached,
  };
}
