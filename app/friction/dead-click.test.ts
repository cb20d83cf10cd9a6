import { detectDeadClicks } from "./dead-click";
import { click } from "./test-rows";

describe("detectDeadClicks", () => {
  it("link alive after earlier hidden period", () => {
    const linkClick = click({
      at: 70_000,
      targetKind: "link",
      selector: "a.size-guide",
      domChangeAt: 70_400,
      hiddenIntervals: [[0, 60_000]],
    });
    expect(detectDeadClicks([linkClick])).toEqual([]);
  });

  it("flags a button click followed by nothing", () => {
    expect(detectDeadClicks([click({ at: 5000 })])).toEqual([
      {
        kind: "dead-click",
        sessionId: "s1",
        pageViewId: "p1",
        selector: "#add-to-cart",
        at: 5000,
        x: 100,
        y: 200,
      },
    ]);
  });

  it("flags DOM change after 2.5 s", () => {
    const late = click({ at: 1000, domChangeAt: 3501 });
    const onTime = click({ at: 1000, domChangeAt: 3500, pageViewId: "p2" });
    const signals = detectDeadClicks([late, onTime]);
    expect(signals).toHaveLength(1);
    expect(signals[0].pageViewId).toBe("p1");
  });

  it("ignores a click while the tab is hidden", () => {
    const hiddenClick = click({
      at: 30_000,
      hiddenIntervals: [[20_000, 40_000]],
    });
    expect(detectDeadClicks([hiddenClick])).toEqual([]);
  });

  it("ignores tab hidden during window", () => {
    const hiddenSoon = click({
      at: 10_000,
      hiddenIntervals: [[11_000, 50_000]],
    });
    expect(detectDeadClicks([hiddenSoon])).toEqual([]);
  });

  it("flags click after tab visible again", () => {
    const visibleAgain = click({ at: 70_000, hiddenIntervals: [[0, 60_000]] });
    expect(detectDeadClicks([visibleAgain])).toHaveLength(1);
  });

  it("ignores a click in a text field", () => {
    const caret = click({ targetKind: "text-field", selector: "#email" });
    expect(detectDeadClicks([caret])).toEqual([]);
  });

  it("ignores a click that opens a new tab", () => {
    const newTab = click({ targetKind: "link", opensNewTab: true });
    expect(detectDeadClicks([newTab])).toEqual([]);
  });

  it("scroll at 50 ms keeps alive", () => {
    expect(detectDeadClicks([click({ at: 1000, scrollAt: 1050 })])).toEqual([]);
  });

  it("flags scroll only at 150 ms", () => {
    expect(
      detectDeadClicks([click({ at: 1000, scrollAt: 1150 })]),
    ).toHaveLength(1);
  });

  it("selection change keeps alive", () => {
    const selecting = click({ at: 1000, selectionChangeAt: 1020 });
    expect(detectDeadClicks([selecting])).toEqual([]);
  });

  it("focus, visibility, navigation keep alive", () => {
    const clicks = [
      click({ at: 0, focusChangeAt: 10 }),
      click({ at: 0, visibilityChangeAt: 1500 }),
      click({ at: 0, navigationAt: 2000 }),
    ];
    expect(detectDeadClicks(clicks)).toEqual([]);
  });

  it("ignores responses recorded before the click", () => {
    expect(
      detectDeadClicks([click({ at: 1000, domChangeAt: 900 })]),
    ).toHaveLength(1);
  });
});
