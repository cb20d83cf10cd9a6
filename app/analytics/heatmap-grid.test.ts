import { binPoints, heatColor } from "./heatmap-grid";

describe("binPoints", () => {
  it("sums points per cell and finds the hottest", () => {
    const grid = binPoints(
      [
        { x: 5, y: 5, weight: 2, selector: "#a" },
        { x: 11, y: 1, weight: 3, selector: "#b" },
        { x: 30, y: 30, weight: 4, selector: "#c" },
      ],
      12,
    );
    expect(grid.cells).toHaveLength(2);
    expect(grid.hottest).toMatchObject({
      x: 0,
      y: 0,
      weight: 5,
      selector: "#b",
    });
    expect(grid.maxWeight).toBe(5);
  });

  it("returns no hottest cell for no points", () => {
    expect(binPoints([], 12)).toEqual({
      cells: [],
      maxWeight: 0,
      hottest: null,
    });
  });

  it("skips non-finite coordinates", () => {
    const grid = binPoints(
      [{ x: Number.NaN, y: 3, weight: 1, selector: "#a" }],
      12,
    );
    expect(grid.cells).toEqual([]);
  });
});

describe("heatColor", () => {
  it("runs from blue to red", () => {
    expect(heatColor(0)).toEqual([0, 0, 255]);
    expect(heatColor(1)).toEqual([255, 0, 0]);
    expect(heatColor(2)).toEqual([255, 0, 0]);
  });
});
