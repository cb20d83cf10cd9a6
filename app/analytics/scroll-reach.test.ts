import { scrollReach } from "./scroll-reach";

describe("scrollReach", () => {
  it("returns no bands when there are no page views", () => {
    expect(scrollReach([])).toEqual({
      pageViews: 0,
      reach: [],
      bandPercent: 5,
      averagePercent: 0,
    });
  });

  it("folds depths into cumulative reach", () => {
    const result = scrollReach(
      [
        { percent: 30, pageViews: 2 },
        { percent: 50, pageViews: 1 },
        { percent: 100, pageViews: 1 },
      ],
      25,
    );
    expect(result.pageViews).toBe(4);
    // Bands at 0, 25, 50, 75 and 100 percent.
    expect(result.reach).toEqual([1, 1, 0.5, 0.25, 0.25]);
    expect(result.averagePercent).toBe((30 * 2 + 50 + 100) / 4);
  });

  it("counts a page shorter than the viewport as fully seen", () => {
    const result = scrollReach([{ percent: 100, pageViews: 3 }], 50);
    expect(result.reach).toEqual([1, 1, 1]);
  });
});
