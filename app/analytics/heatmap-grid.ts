/** A click group placed in the coordinates of the rebuilt snapshot. */
export interface PlacedPoint {
  x: number;
  y: number;
  weight: number;
  selector: string;
}

export interface HeatCell {
  /** Top-left corner of the cell in document pixels. */
  x: number;
  y: number;
  size: number;
  weight: number;
  /** Selector contributing the most weight to the cell. */
  selector: string;
}

export interface HeatGrid {
  cells: HeatCell[];
  maxWeight: number;
  hottest: HeatCell | null;
}

/**
 * Sums placed points into square cells. Cells are what the merchant reads as
 * "hot spots", so the hottest cell and its dominant element are returned too.
 */
export function binPoints(points: PlacedPoint[], cellSize: number): HeatGrid {
  const cells = new Map<
    string,
    HeatCell & { bySelector: Map<string, number> }
  >();
  for (const point of points) {
    if (!Number.isFinite(point.x) || !Number.isFinite(point.y)) continue;
    const column = Math.floor(point.x / cellSize);
    const row = Math.floor(point.y / cellSize);
    const key = `${column}:${row}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = {
        x: column * cellSize,
        y: row * cellSize,
        size: cellSize,
        weight: 0,
        selector: point.selector,
        bySelector: new Map(),
      };
      cells.set(key, cell);
    }
    cell.weight += point.weight;
    cell.bySelector.set(
      point.selector,
      (cell.bySelector.get(point.selector) ?? 0) + point.weight,
    );
  }

  let hottest: HeatCell | null = null;
  const result: HeatCell[] = [];
  for (const { bySelector, ...cell } of cells.values()) {
    let best = -1;
    for (const [selector, weight] of bySelector) {
      if (weight > best) {
        best = weight;
        cell.selector = selector;
      }
    }
    result.push(cell);
    if (!hottest || cell.weight > hottest.weight) hottest = cell;
  }
  return { cells: result, maxWeight: hottest?.weight ?? 0, hottest };
}

/**
 * Maps a heat value in 0..1 onto the usual blue-green-yellow-red ramp, as
 * RGB bytes.
 */
export function heatColor(value: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, value));
  const stops: [number, [number, number, number]][] = [
    [0, [0, 0, 255]],
    [0.35, [0, 220, 255]],
    [0.55, [0, 230, 60]],
    [0.75, [255, 230, 0]],
    [1, [255, 0, 0]],
  ];
  for (let i = 1; i < stops.length; i++) {
    const [end, to] = stops[i];
    const [start, from] = stops[i - 1];
    if (t <= end) {
      const k = (t - start) / (end - start);
      return [0, 1, 2].map((c) =>
        Math.round(from[c] + (to[c] - from[c]) * k),
      ) as [number, number, number];
    }
  }
  return stops[stops.length - 1][1];
}
