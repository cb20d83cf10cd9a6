import { detectScrollAbandonment } from "./scroll-abandonment";
import type { PageViewDepth } from "./types";

function depth(maxDepthPx: number, documentHeight = 4000): PageViewDepth {
  return { pageViewId: `p${maxDepthPx}`, maxDepthPx, documentHeight };
}

describe("detectScrollAbandonment", () => {
  it("returns nothing without page views", () => {
    expect(detectScrollAbandonment([], [{ name: "reviews", top: 10 }])).toEqual(
      { pageViews: 0, bands: [], stopBand: null, unreached: [] },
    );
  });

  it("finds the stop band and unreached elements", () => {
    // Percents: 20, 25, 27.5, 50, 100 -> bands 20-30 (3), 50-60, 90-100.
    const depths = [
      depth(800),
      depth(1000),
      depth(1100),
      depth(2000),
      depth(4000),
    ];
    const result = detectScrollAbandonment(depths, [
      { name: "price", top: 300 },
      { name: "add to cart", top: 960 },
      { name: "reviews", top: 2500 },
    ]);
    expect(result.pageViews).toBe(5);
    expect(result.bands.map((band) => band.pageViews)).toEqual([
      0, 0, 3, 0, 0, 1, 0, 0, 0, 1,
    ]);
    expect(result.bands[9]).toEqual({
      fromPercent: 90,
      toPercent: 100,
      pageViews: 1,
      share: 0.2,
    });
    expect(result.stopBand).toEqual({
      fromPercent: 20,
      toPercent: 30,
      pageViews: 3,
      share: 0.6,
    });
    // Add to cart needs 1000 px: reached by 1000, 1100, 2000, 4000 (0.8).
    // Reviews need 2540 px: reached only by 4000 (0.2).
    expect(result.unreached).toEqual([
      { name: "reviews", top: 2500, reach: 0.2, pageViewsNotReaching: 4 },
    ]);
  });

  it("lists unreached elements least reached first", () => {
    const depths = [depth(500), depth(500), depth(3000), depth(4000)];
    const result = detectScrollAbandonment(depths, [
      { name: "reviews", top: 3500 },
      { name: "related", top: 2000 },
      { name: "footer", top: 3900 },
    ]);
    expect(result.unreached.map((element) => element.name)).toEqual([
      "reviews",
      "footer",
    ]);
    expect(result.unreached[0].reach).toBe(0.25);
  });

  it("puts full depth in the last band", () => {
    const result = detectScrollAbandonment([depth(4000), depth(4200)], []);
    expect(result.stopBand).toEqual({
      fromPercent: 90,
      toPercent: 100,
      pageViews: 2,
      share: 1,
    });
  });

  it("picks the shallower band on a tie", () => {
    const result = detectScrollAbandonment([depth(3900), depth(400)], []);
    expect(result.stopBand?.fromPercent).toBe(10);
  });

  it("reaches a low element at the page end", () => {
    const result = detectScrollAbandonment(
      [depth(990, 1000)],
      [{ name: "add to cart", top: 980 }],
    );
    expect(result.unreached).toEqual([
      { name: "add to cart", top: 980, reach: 0, pageViewsNotReaching: 1 },
    ]);
    const full = detectScrollAbandonment(
      [depth(1000, 1000)],
      [{ name: "add to cart", top: 980 }],
    );
    expect(full.unreached).toEqual([]);
  });

  it("skips page views without a document height", () => {
    const result = detectScrollAbandonment([depth(0, 0), depth(400)], []);
    expect(result.pageViews).toBe(1);
  });
});
