import type { PageViewRow } from "./types";
import { detectUTurns } from "./u-turn";

function view(
  pageViewId: string,
  path: string,
  startedAt: number,
  sessionId = "s1",
): PageViewRow {
  return { sessionId, pageViewId, path, startedAt };
}

describe("detectUTurns", () => {
  it("flags a quick return to the previous page", () => {
    const views = [
      view("p1", "/collections/shirts", 0),
      view("p2", "/products/linen-shirt", 20_000),
      view("p3", "/collections/shirts", 24_500),
    ];
    expect(detectUTurns(views)).toEqual([
      {
        kind: "u-turn",
        sessionId: "s1",
        pageViewId: "p2",
        path: "/products/linen-shirt",
        returnedTo: "/collections/shirts",
        dwellMs: 4500,
      },
    ]);
  });

  it("ignores a return after 10 s", () => {
    const views = [
      view("p1", "/collections/shirts", 0),
      view("p2", "/products/linen-shirt", 20_000),
      view("p3", "/collections/shirts", 30_000),
    ];
    expect(detectUTurns(views)).toEqual([]);
  });

  it("ignores a quick move to a third page", () => {
    const views = [
      view("p1", "/", 0),
      view("p2", "/products/linen-shirt", 1000),
      view("p3", "/cart", 3000),
    ];
    expect(detectUTurns(views)).toEqual([]);
  });

  it("ignores reloads", () => {
    const views = [
      view("p1", "/", 0),
      view("p2", "/", 1000),
      view("p3", "/", 2000),
    ];
    expect(detectUTurns(views)).toEqual([]);
  });

  it("sorts page views and keeps sessions apart", () => {
    const views = [
      view("b3", "/", 5000, "s2"),
      view("a1", "/", 0),
      view("b1", "/", 0, "s2"),
      view("a2", "/pages/faq", 1000),
      view("b2", "/pages/faq", 2000, "s2"),
    ];
    const signals = detectUTurns(views);
    expect(signals).toHaveLength(1);
    expect(signals[0].pageViewId).toBe("b2");
    expect(signals[0].dwellMs).toBe(3000);
  });

  it("flags each turn in a back and forth", () => {
    const views = [
      view("p1", "/", 0),
      view("p2", "/a", 1000),
      view("p3", "/", 2000),
      view("p4", "/b", 3000),
      view("p5", "/", 4000),
    ];
    expect(detectUTurns(views).map((signal) => signal.path)).toEqual([
      "/a",
      "/b",
    ]);
  });
});
