import type { ClickGroup } from "~/analytics/click-groups.server";
import type { HeatCell, PlacedPoint } from "~/analytics/heatmap-grid";
import { heatColor } from "~/analytics/heatmap-grid";

/** Side of a heat cell in document pixels: about a fingertip on mobile. */
export const HEAT_CELL_PX = 12;
/** Blur radius of one cell's heat, so neighbouring cells blend. */
const HEAT_RADIUS_PX = 26;
/** Browsers refuse canvases much taller than this (Chromium: 32,767). */
const MAX_CANVAS_HEIGHT_PX = 16_000;

/**
 * Places click groups in the rebuilt snapshot: each group lands on its
 * element's current box at the recorded offset, so a point follows its
 * button even when the snapshot's layout differs from the shopper's page.
 * Groups whose selector is not found keep their raw page coordinates.
 */
export function placeClickGroups(
  doc: Document,
  groups: ClickGroup[],
): { points: PlacedPoint[]; unplaced: number } {
  const win = doc.defaultView;
  const scrollX = win?.scrollX ?? 0;
  const scrollY = win?.scrollY ?? 0;
  const boxes = new Map<string, DOMRect | null>();
  const points: PlacedPoint[] = [];
  let unplaced = 0;
  for (const group of groups) {
    if (!boxes.has(group.selector)) {
      boxes.set(group.selector, boxOf(doc, group.selector));
    }
    const box = boxes.get(group.selector);
    if (box) {
      points.push({
        x: box.left + scrollX + group.offsetX * box.width,
        y: box.top + scrollY + group.offsetY * box.height,
        weight: group.clicks,
        selector: group.selector,
      });
    } else {
      unplaced += group.clicks;
      points.push({
        x: group.x,
        y: group.y,
        weight: group.clicks,
        selector: group.selector,
      });
    }
  }
  return { points, unplaced };
}

function boxOf(doc: Document, selector: string): DOMRect | null {
  try {
    const element = doc.querySelector(selector);
    if (!element) return null;
    const box = element.getBoundingClientRect();
    // A hidden element (display: none in this layout) has no box to land on.
    return box.width > 0 && box.height > 0 ? box : null;
  } catch {
    return null;
  }
}

/** A canvas covering the rebuilt document, and how it maps onto it. */
export interface Overlay {
  canvas: HTMLCanvasElement;
  /** Document size in CSS pixels. */
  width: number;
  height: number;
  /** Canvas pixels per document pixel: below 1 on very tall pages. */
  scale: number;
}

/**
 * Creates a transparent canvas for the rebuilt document. It lives in the
 * admin's own document: a canvas inside the snapshot iframe would paint
 * nothing, because browsers show a canvas's fallback content instead of its
 * bitmap where scripting is disabled, as it is in the sandbox. Pages taller
 * than the canvas limit are drawn at a smaller scale and stretched back.
 */
export function overlayCanvas(doc: Document): Overlay {
  const root = doc.documentElement;
  const width = Math.max(root.scrollWidth, doc.body?.scrollWidth ?? 0, 1);
  const height = Math.max(root.scrollHeight, doc.body?.scrollHeight ?? 0, 1);
  const scale = Math.min(1, MAX_CANVAS_HEIGHT_PX / height);
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  return { canvas, width, height, scale };
}

/**
 * Lays the drawn canvas over the rebuilt document as an image, so it scrolls
 * with the page. Returns a function that releases the image's memory.
 */
export async function attachOverlay(
  doc: Document,
  overlay: Overlay,
): Promise<() => void> {
  const { canvas } = overlay;
  const blob = await new Promise<Blob | null>((resolve) =>
    canvas.toBlob(resolve, "image/png"),
  );
  if (!blob) throw new Error("the heatmap canvas could not be encoded");
  const url = URL.createObjectURL(blob);
  doc.getElementById("storelens-overlay")?.remove();
  const image = doc.createElement("img");
  image.id = "storelens-overlay";
  image.alt = "";
  image.src = url;
  image.setAttribute(
    "style",
    `position:absolute!important;left:0!important;top:0!important;` +
      `width:${overlay.width}px!important;height:${overlay.height}px!important;` +
      `max-width:none!important;pointer-events:none!important;` +
      `z-index:2147483647!important;margin:0!important;padding:0!important;` +
      `border:0!important;opacity:1!important`,
  );
  doc.documentElement.appendChild(image);
  return () => URL.revokeObjectURL(url);
}

/**
 * Draws heat cells: a grey-scale pass where each cell adds a radial blur
 * weighted by its clicks, then a pass that turns intensity into colour.
 */
export function drawHeat(
  overlay: Overlay,
  cells: HeatCell[],
  maxWeight: number,
): void {
  const { canvas } = overlay;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context || maxWeight <= 0) return;
  context.clearRect(0, 0, canvas.width, canvas.height);
  // Cells are in document pixels; the transform maps them onto the canvas.
  context.setTransform(overlay.scale, 0, 0, overlay.scale, 0, 0);
  for (const cell of cells) {
    const cx = cell.x + cell.size / 2;
    const cy = cell.y + cell.size / 2;
    const alpha = Math.max(0.06, cell.weight / maxWeight);
    const gradient = context.createRadialGradient(
      cx,
      cy,
      0,
      cx,
      cy,
      HEAT_RADIUS_PX,
    );
    gradient.addColorStop(0, `rgba(0,0,0,${alpha})`);
    gradient.addColorStop(1, "rgba(0,0,0,0)");
    context.fillStyle = gradient;
    context.fillRect(
      cx - HEAT_RADIUS_PX,
      cy - HEAT_RADIUS_PX,
      HEAT_RADIUS_PX * 2,
      HEAT_RADIUS_PX * 2,
    );
  }
  context.setTransform(1, 0, 0, 1, 0, 0);
  const image = context.getImageData(0, 0, canvas.width, canvas.height);
  const pixels = image.data;
  for (let i = 0; i < pixels.length; i += 4) {
    const intensity = pixels[i + 3];
    if (intensity === 0) continue;
    const [r, g, b] = heatColor(intensity / 255);
    pixels[i] = r;
    pixels[i + 1] = g;
    pixels[i + 2] = b;
    pixels[i + 3] = Math.min(210, 60 + intensity);
  }
  context.putImageData(image, 0, 0);
}

/**
 * Paints the scroll map: each band of the page coloured by the share of page
 * views that reached it, with a label every `labelEvery` bands.
 */
export function drawScrollReach(
  overlay: Overlay,
  reach: number[],
  bandPercent: number,
  labelEvery = 2,
): void {
  const { canvas } = overlay;
  const context = canvas.getContext("2d");
  if (!context) return;
  context.clearRect(0, 0, canvas.width, canvas.height);
  // Bands are measured on the canvas itself, which spans the whole page at
  // any scale; labels keep their pixel size.
  const bandHeight = (canvas.height * bandPercent) / 100;
  reach.forEach((share, band) => {
    const top = band * bandHeight;
    const [r, g, b] = heatColor(share);
    context.fillStyle = `rgba(${r},${g},${b},0.42)`;
    context.fillRect(0, top, canvas.width, bandHeight);
    if (band > 0 && band % labelEvery === 0) {
      const label = `${band * bandPercent}% down: ${Math.round(share * 100)}% of page views`;
      context.font = "13px -apple-system, BlinkMacSystemFont, sans-serif";
      const width = context.measureText(label).width + 12;
      context.fillStyle = "rgba(0,0,0,0.75)";
      context.fillRect(0, top, canvas.width, 1);
      context.fillRect(8, top + 4, width, 24);
      context.fillStyle = "#fff";
      context.fillText(label, 14, top + 21);
    }
  });
}
