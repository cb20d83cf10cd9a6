import { detectRageClicks } from "./rage-click";
import { click } from "./test-rows";

describe("detectRageClicks", () => {
  it("ignores a stepper whose quantity changes each click", () => {
    const clicks = [0, 300, 600].map((at) =>
      click({
        at,
        selector: "#quantity-plus",
        targetKind: "stepper",
        domChangeAt: at + 50,
      }),
    );
    expect(detectRageClicks(clicks)).toEqual([]);
  });

  it("ignores a button that reacted to every click", () => {
    const clicks = [0, 300, 600].map((at) =>
      click({ at, domChangeAt: at + 100 }),
    );
    expect(detectRageClicks(clicks)).toEqual([]);
  });

  it("flags add to cart clicked thrice without reaction", () => {
    const clicks = [1000, 1300, 1600].map((at, i) =>
      click({ at, x: 100 + i * 5, y: 200 + i * 5 }),
    );
    expect(detectRageClicks(clicks)).toEqual([
      {
        kind: "rage-click",
        sessionId: "s1",
        pageViewId: "p1",
        selector: "#add-to-cart",
        startAt: 1000,
        endAt: 1600,
        clicks: 3,
        x: 100,
        y: 200,
      },
    ]);
  });

  it("flags burst with partial reactions", () => {
    const clicks = [
      click({ at: 0, domChangeAt: 80 }),
      click({ at: 300 }),
      click({ at: 600 }),
    ];
    expect(detectRageClicks(clicks)).toHaveLength(1);
  });

  it("ignores three quick clicks in a text field", () => {
    const clicks = [0, 250, 500].map((at) =>
      click({ at, selector: "#email", targetKind: "text-field" }),
    );
    expect(detectRageClicks(clicks)).toEqual([]);
  });

  it("ignores carousel arrows and toggles", () => {
    const arrows = [0, 200, 400].map((at) =>
      click({ at, selector: ".next", targetKind: "carousel" }),
    );
    const toggles = [0, 200, 400].map((at) =>
      click({ at, selector: "#menu", targetKind: "toggle", pageViewId: "p2" }),
    );
    expect(detectRageClicks([...arrows, ...toggles])).toEqual([]);
  });

  it("returns two signals for two bursts after a pause", () => {
    const clicks = [0, 200, 400, 600, 2600, 2800, 3000].map((at) =>
      click({ at }),
    );
    const signals = detectRageClicks(clicks);
    expect(signals).toHaveLength(2);
    expect(signals[0].clicks).toBe(4);
    expect(signals[0].endAt).toBe(600);
    expect(signals[1].clicks).toBe(3);
    expect(signals[1].startAt).toBe(2600);
  });

  it("sorts clicks that arrive out of order", () => {
    const clicks = [600, 0, 300].map((at) => click({ at }));
    const signals = detectRageClicks(clicks);
    expect(signals).toHaveLength(1);
    expect(signals[0].startAt).toBe(0);
  });

  it("splits clicks more than 30 px apart", () => {
    const clicks = [
      click({ at: 0, x: 100 }),
      click({ at: 200, x: 131 }),
      click({ at: 400, x: 162 }),
    ];
    expect(detectRageClicks(clicks)).toEqual([]);
  });

  it("accepts clicks exactly 1 s and 30 px apart", () => {
    const clicks = [
      click({ at: 0, x: 100 }),
      click({ at: 1000, x: 130 }),
      click({ at: 2000, x: 160 }),
    ];
    expect(detectRageClicks(clicks)).toHaveLength(1);
  });

  it("splits clicks more than 1 s apart", () => {
    const clicks = [0, 1001, 2002].map((at) => click({ at }));
    expect(detectRageClicks(clicks)).toEqual([]);
  });

  it("keeps page views apart", () => {
    const clicks = [
      click({ at: 0, pageViewId: "p1" }),
      click({ at: 200, pageViewId: "p2" }),
      click({ at: 400, pageViewId: "p1" }),
    ];
    expect(detectRageClicks(clicks)).toEqual([]);
  });

  it("skips an exactly excluded selector", () => {
    const clicks = [0, 200, 400].map((at) => click({ at }));
    const signals = detectRageClicks(clicks, {
      excludedSelectors: ["#add-to-cart"],
    });
    expect(signals).toEqual([]);
  });

  it("skips selectors matching a prefix rule", () => {
    const clicks = [0, 200, 400].map((at) =>
      click({ at, selector: "#gallery img:nth-child(2)" }),
    );
    expect(
      detectRageClicks(clicks, { excludedSelectors: ["#gallery *"] }),
    ).toEqual([]);
    expect(
      detectRageClicks(clicks, { excludedSelectors: ["#gallery"] }),
    ).toHaveLength(1);
  });
});
