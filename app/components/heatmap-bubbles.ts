import type { ElementConversion } from "~/analytics/element-conversion";
import { heatColor } from "~/analytics/heatmap-grid";
import type { Overlay } from "./heatmap-drawing";
import { placeClickGroups } from "./heatmap-drawing";

/** Radius of the bubble of the element with the most sessions. */
const MAX_BUBBLE_RADIUS_PX = 34;
/** Radius of the smallest bubble, so every element stays visible. */
const MIN_BUBBLE_RADIUS_PX = 7;

export interface PlacedBubble {
  selector: string;
  x: number;
  y: number;
  radius: number;
  /** False when the element is not in the snapshot (raw coordinates). */
  onElement: boolean;
}

/**
 * Places one bubble per element where its clicks fall in the rebuilt
 * snapshot, sized by the square root of its sessions so the area grows
 * with them.
 */
export function placeBubbles(
  doc: Document,
  elements: ElementConversion[],
): PlacedBubble[] {
  const maxSessions = Math.max(1, ...elements.map((e) => e.sessions));
  return elements.map((element) => {
    const { points, unplaced } = placeClickGroups(doc, [
      { ...element, clicks: element.sessions },
    ]);
    const span = MAX_BUBBLE_RADIUS_PX - MIN_BUBBLE_RADIUS_PX;
    return {
      selector: element.selector,
      x: points[0].x,
      y: points[0].y,
      radius:
        MIN_BUBBLE_RADIUS_PX + span * Math.sqrt(element.sessions / maxSessions),
      onElement: unplaced === 0,
    };
  });
}

/**
 * Draws the conversion map: a bubble per element, coloured from blue (no
 * sessions bought) to red (the page's best rate) and labelled with its
 * rate. Samples too small for a rate are drawn as grey rings.
 */
export function drawBubbles(
  overlay: Overlay,
  elements: ElementConversion[],
  bubbles: PlacedBubble[],
): void {
  const context = overlay.canvas.getContext("2d");
  if (!context) return;
  context.clearRect(0, 0, overlay.canvas.width, overlay.canvas.height);
  context.setTransform(overlay.scale, 0, 0, overlay.scale, 0, 0);

  const bestRate = Math.max(
    0,
    ...elements.filter((e) => !e.tooSmall).map((e) => e.conversionRate),
  );
  // Biggest first, so small bubbles are drawn on top and stay visible.
  const order = bubbles
    .map((bubble, index) => ({ bubble, element: elements[index] }))
    .sort((a, b) => b.bubble.radius - a.bubble.radius);
  context.font = "bold 12px -apple-system, BlinkMacSystemFont, sans-serif";
  context.textAlign = "center";
  context.textBaseline = "middle";

  for (const { bubble, element } of order) {
    context.beginPath();
    context.arc(bubble.x, bubble.y, bubble.radius, 0, Math.PI * 2);
    if (element.tooSmall) {
      context.lineWidth = 2;
      context.setLineDash([4, 3]);
      context.strokeStyle = "rgba(90,90,90,0.9)";
      context.stroke();
      context.setLineDash([]);
      continue;
    }
    const [r, g, b] = heatColor(
      bestRate > 0 ? element.conversionRate / bestRate : 0,
    );
    context.fillStyle = `rgba(${r},${g},${b},0.55)`;
    context.fill();
    context.lineWidth = 1.5;
    context.strokeStyle = `rgb(${r},${g},${b})`;
    context.stroke();
    const label = `${(element.conversionRate * 100).toFixed(1)}%`;
    const width = context.measureText(label).width + 8;
    context.fillStyle = "rgba(0,0,0,0.75)";
    context.fillRect(bubble.x - width / 2, bubble.y - 9, width, 18);
    context.fillStyle = "#fff";
    context.fillText(label, bubble.x, bubble.y);
  }
  context.setTransform(1, 0, 0, 1, 0, 0);
}
