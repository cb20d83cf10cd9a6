import { detectHoverWithoutClick } from "./hover-without-click";
import type { HoverRow } from "./types";

function hover(
  startAt: number,
  endAt: number,
  overrides: Partial<HoverRow> = {},
): HoverRow {
  return {
    sessionId: "s1",
    pageViewId: "p1",
    selector: "#add-to-cart",
    isCallToAction: true,
    startAt,
    endAt,
    ...overrides,
  };
}

describe("detectHoverWithoutClick", () => {
  it("flags a long hover without a click", () => {
    expect(detectHoverWithoutClick([hover(1000, 5000)], [])).toEqual([
      {
        kind: "hover-without-click",
        sessionId: "s1",
        pageViewId: "p1",
        selector: "#add-to-cart",
        startAt: 1000,
        dwellMs: 4000,
      },
    ]);
  });

  it("ignores hovers shorter than 3 s", () => {
    expect(detectHoverWithoutClick([hover(1000, 3999)], [])).toEqual([]);
    expect(detectHoverWithoutClick([hover(1000, 4000)], [])).toHaveLength(1);
  });

  it("ignores hovers longer than 30 s", () => {
    expect(detectHoverWithoutClick([hover(0, 30_001)], [])).toEqual([]);
  });

  it("ignores elements that are not calls to action", () => {
    const image = hover(0, 5000, { isCallToAction: false, selector: "img" });
    expect(detectHoverWithoutClick([image], [])).toEqual([]);
  });

  it("ignores a hover followed by a click", () => {
    const clicks = [{ pageViewId: "p1", selector: "#add-to-cart", at: 9000 }];
    expect(detectHoverWithoutClick([hover(1000, 5000)], clicks)).toEqual([]);
  });

  it("keeps hover clicked earlier or elsewhere", () => {
    const clicks = [
      { pageViewId: "p1", selector: "#add-to-cart", at: 500 },
      { pageViewId: "p2", selector: "#add-to-cart", at: 2000 },
      { pageViewId: "p1", selector: "#buy-now", at: 2000 },
    ];
    expect(detectHoverWithoutClick([hover(1000, 5000)], clicks)).toHaveLength(
      1,
    );
  });

  it("keeps longest hover per element", () => {
    const hovers = [
      hover(0, 4000),
      hover(10_000, 18_000),
      hover(20_000, 25_000),
    ];
    const signals = detectHoverWithoutClick(hovers, []);
    expect(signals).toHaveLength(1);
    expect(signals[0].dwellMs).toBe(8000);
    expect(signals[0].startAt).toBe(10_000);
  });
});
