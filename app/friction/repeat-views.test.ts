import { detectRepeatViews } from "./repeat-views";
import type { ProductViewRow } from "./types";

function viewOn(
  day: string,
  visitorId = "v1",
  productId = "42",
): ProductViewRow {
  return { visitorId, productId, at: Date.parse(`${day}T12:00:00Z`) };
}

describe("detectRepeatViews", () => {
  it("flags three days within seven days", () => {
    const views = [
      viewOn("2026-03-01"),
      viewOn("2026-03-01"),
      viewOn("2026-03-04"),
      viewOn("2026-03-07"),
    ];
    expect(detectRepeatViews(views, [])).toEqual([
      {
        kind: "repeat-view",
        visitorId: "v1",
        productId: "42",
        days: ["2026-03-01", "2026-03-04", "2026-03-07"],
        views: 4,
      },
    ]);
  });

  it("ignores three days spread over ten days", () => {
    const views = [
      viewOn("2026-03-01"),
      viewOn("2026-03-05"),
      viewOn("2026-03-10"),
    ];
    expect(detectRepeatViews(views, [])).toEqual([]);
  });

  it("ignores days one past the seven day window", () => {
    const views = [
      viewOn("2026-03-01"),
      viewOn("2026-03-04"),
      viewOn("2026-03-08"),
    ];
    expect(detectRepeatViews(views, [])).toEqual([]);
  });

  it("finds window after stray view", () => {
    const views = [
      viewOn("2026-02-01"),
      viewOn("2026-03-01"),
      viewOn("2026-03-02"),
      viewOn("2026-03-03"),
    ];
    expect(detectRepeatViews(views, [])[0].days).toEqual([
      "2026-03-01",
      "2026-03-02",
      "2026-03-03",
    ]);
  });

  it("ignores a visitor who bought the product", () => {
    const views = [
      viewOn("2026-03-01"),
      viewOn("2026-03-02"),
      viewOn("2026-03-03"),
    ];
    expect(
      detectRepeatViews(views, [{ visitorId: "v1", productId: "42" }]),
    ).toEqual([]);
  });

  it("keeps visitors and products apart", () => {
    const views = [
      viewOn("2026-03-01", "v1", "42"),
      viewOn("2026-03-02", "v2", "42"),
      viewOn("2026-03-03", "v1", "43"),
    ];
    expect(detectRepeatViews(views, [])).toEqual([]);
  });

  it("counts days in the shop's time zone", () => {
    // In UTC these fall on 1, 2 and 3 March; in Tokyo (UTC+9) on 2, 2 and
    // 3 March, which is only two days.
    const views = [
      {
        visitorId: "v1",
        productId: "42",
        at: Date.parse("2026-03-01T23:30:00Z"),
      },
      {
        visitorId: "v1",
        productId: "42",
        at: Date.parse("2026-03-02T01:00:00Z"),
      },
      {
        visitorId: "v1",
        productId: "42",
        at: Date.parse("2026-03-03T01:00:00Z"),
      },
    ];
    expect(detectRepeatViews(views, [], "UTC")).toHaveLength(1);
    expect(detectRepeatViews(views, [], "Asia/Tokyo")).toEqual([]);
  });
});
