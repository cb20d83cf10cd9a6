import type { DepthHistogramRow } from "./scroll-depths.server";

export interface ScrollReach {
  pageViews: number;
  /**
   * `reach[i]` is the share (0..1) of page views that reached at least
   * `i * bandPercent` percent of the page; `reach[0]` is 1 when any exist.
   */
  reach: number[];
  bandPercent: number;
  /** Mean of the deepest points reached, in percent of the page. */
  averagePercent: number;
}

/** Folds a depth histogram into cumulative reach per band. */
export function scrollReach(
  histogram: DepthHistogramRow[],
  bandPercent = 5,
): ScrollReach {
  const bands = Math.floor(100 / bandPercent) + 1;
  const total = histogram.reduce((sum, row) => sum + row.pageViews, 0);
  if (total === 0) {
    return { pageViews: 0, reach: [], bandPercent, averagePercent: 0 };
  }
  const reach = Array.from({ length: bands }, (_, band) => {
    const threshold = band * bandPercent;
    const reached = histogram
      .filter((row) => row.percent >= threshold)
      .reduce((sum, row) => sum + row.pageViews, 0);
    return reached / total;
  });
  const weighted = histogram.reduce(
    (sum, row) => sum + row.percent * row.pageViews,
    0,
  );
  return {
    pageViews: total,
    reach,
    bandPercent,
    averagePercent: weighted / total,
  };
}
