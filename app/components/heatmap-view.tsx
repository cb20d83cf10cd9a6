import { Banner, BlockStack, Spinner, Text } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import type { ClickGroup } from "~/analytics/click-groups.server";
import type { ElementConversion } from "~/analytics/element-conversion";
import type { HeatCell } from "~/analytics/heatmap-grid";
import { binPoints } from "~/analytics/heatmap-grid";
import type { PageSnapshotData } from "~/analytics/page-snapshot.server";
import type { ScrollReach } from "~/analytics/scroll-reach";
import { drawBubbles, placeBubbles } from "./heatmap-bubbles";
import { formatPercent, plural } from "./format";
import {
  HEAT_CELL_PX,
  attachOverlay,
  drawHeat,
  drawScrollReach,
  overlayCanvas,
  placeClickGroups,
} from "./heatmap-drawing";

/** Heat of click groups, the scroll map, or conversion bubbles per element. */
export type HeatmapMode = "clicks" | "scroll" | "elements";

interface Props {
  mode: HeatmapMode;
  snapshot: PageSnapshotData | null;
  clickGroups: ClickGroup[];
  scroll: ScrollReach;
  /** Elements of the conversion map (mode "elements"). */
  elements: ElementConversion[];
  /** Viewport to draw at when there is no snapshot. */
  fallbackViewport: { width: number; height: number };
}

interface DrawResult {
  hottest: HeatCell | null;
  unplacedClicks: number;
  /** True when the stored snapshot could not be rebuilt. */
  snapshotFailed: boolean;
  /** Frees the overlay image's memory. */
  release: () => void;
}

/**
 * Rebuilds the page snapshot in a sandboxed iframe (no scripts run) at the
 * shopper's viewport size, then draws the click heatmap or scroll map on a
 * canvas laid over the rebuilt document.
 */
export function HeatmapView(props: Props) {
  const { mode, snapshot, clickGroups, scroll, elements, fallbackViewport } =
    props;
  const outer = useRef<HTMLDivElement>(null);
  const frameRoot = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<"loading" | "ready" | "error">(
    "loading",
  );
  const [result, setResult] = useState<DrawResult | null>(null);
  const [width, setWidth] = useState(0);
  const viewport = snapshot
    ? { width: snapshot.viewportWidth, height: snapshot.viewportHeight }
    : fallbackViewport;

  useEffect(() => {
    const container = outer.current;
    if (!container) return;
    const observer = new ResizeObserver(() => setWidth(container.clientWidth));
    observer.observe(container);
    setWidth(container.clientWidth);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const root = frameRoot.current;
    if (!root) return;
    let cancelled = false;
    setStatus("loading");
    // Each run draws into its own host, removed on cleanup, so a render
    // still loading when the data changes can never leave a second frame.
    const host = document.createElement("div");
    root.appendChild(host);
    let release = () => {};
    render(host, props)
      .then((drawn) => {
        release = drawn.release;
        if (cancelled) return release();
        setResult(drawn);
        setStatus("ready");
      })
      .catch((error) => {
        // A render cancelled by newer data fails once its host is removed.
        if (cancelled) return;
        console.error("heatmap render failed", error);
        setStatus("error");
      });
    return () => {
      cancelled = true;
      release();
      host.remove();
    };
    // Redraw only when the data changes, not on every parent render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode, snapshot, clickGroups, scroll, elements]);

  const scale = width > 0 ? Math.min(1, width / viewport.width) : 1;

  return (
    <div ref={outer} style={{ width: "100%" }}>
      <BlockStack gap="300">
        {status === "error" ? (
          <Banner tone="critical" title="The heatmap could not be drawn">
            <p>Reload the page; if this keeps happening, pick another page.</p>
          </Banner>
        ) : null}
        {status === "loading" ? <Spinner size="small" /> : null}
        <div
          style={{
            width: viewport.width * scale,
            height: viewport.height * scale,
            overflow: "hidden",
            border: "1px solid #d2d5d8",
            borderRadius: 8,
            background: "#fff",
          }}
        >
          <div
            ref={frameRoot}
            data-testid="heatmap-frame"
            style={{
              width: viewport.width,
              height: viewport.height,
              transform: `scale(${scale})`,
              transformOrigin: "0 0",
            }}
          />
        </div>
        {status === "ready" && result ? (
          <Summary
            mode={mode}
            result={result}
            scroll={scroll}
            clickGroups={clickGroups}
            elements={elements}
          />
        ) : null}
      </BlockStack>
    </div>
  );
}

function Summary(props: {
  mode: HeatmapMode;
  result: DrawResult;
  scroll: ScrollReach;
  clickGroups: ClickGroup[];
  elements: ElementConversion[];
}) {
  const { mode, result, scroll, clickGroups, elements } = props;
  const notice = result.snapshotFailed ? (
    <Text as="p" tone="caution">
      The stored snapshot of this page could not be rebuilt, so a blank page is
      shown. A new snapshot is taken on the next visit tomorrow.
    </Text>
  ) : null;
  if (mode === "scroll") {
    return (
      <div
        data-testid="scroll-summary"
        data-average-percent={Math.round(scroll.averagePercent)}
      >
        {notice}
        <Text as="p">
          On average, page views reached {Math.round(scroll.averagePercent)}% of
          the page ({plural(scroll.pageViews, "page view", "page views")}).
        </Text>
      </div>
    );
  }
  if (mode === "elements") {
    return (
      <ElementsSummary notice={notice} elements={elements} result={result} />
    );
  }
  const hottest = result.hottest;
  const top = topClickedElement(clickGroups);
  return (
    <div
      data-testid="heatmap-summary"
      data-hottest-selector={hottest?.selector ?? ""}
      data-hottest-x={hottest ? hottest.x + hottest.size / 2 : ""}
      data-hottest-y={hottest ? hottest.y + hottest.size / 2 : ""}
    >
      <BlockStack gap="100">
        {notice}
        {top ? (
          <Text as="p">
            Most clicked: <code>{top.selector}</code> (
            {plural(top.clicks, "click", "clicks")},{" "}
            {((top.clicks / top.total) * 100).toFixed(1)}% of all clicks).
          </Text>
        ) : (
          <Text as="p">No clicks on this page in this range.</Text>
        )}
        {result.unplacedClicks > 0 ? (
          <Text as="p" tone="subdued">
            {plural(result.unplacedClicks, "click", "clicks")} hit elements that
            are not visible in this snapshot; they are drawn at their recorded
            position.
          </Text>
        ) : null}
      </BlockStack>
    </div>
  );
}

function ElementsSummary(props: {
  notice: React.ReactNode;
  elements: ElementConversion[];
  result: DrawResult;
}) {
  const { notice, elements, result } = props;
  const rated = elements.filter((element) => !element.tooSmall);
  const best = rated.reduce<ElementConversion | null>(
    (top, element) =>
      !top || element.conversionRate > top.conversionRate ? element : top,
    null,
  );
  return (
    <div
      data-testid="conversion-summary"
      data-best-selector={best?.selector ?? ""}
    >
      <BlockStack gap="100">
        {notice}
        {elements.length === 0 ? (
          <Text as="p">No clicks on this page in this range.</Text>
        ) : best ? (
          <Text as="p">
            Best converting element: <code>{best.selector}</code> (
            {formatPercent(best.conversionRate)} of{" "}
            {plural(best.sessions, "session", "sessions")} bought after clicking
            it).
          </Text>
        ) : (
          <Text as="p">
            No element has enough sessions for a conversion rate yet.
          </Text>
        )}
        <Text as="p" tone="subdued">
          Bubble size shows sessions that clicked the element; colour runs from
          blue (none bought) to red (the best rate on this page). Dashed rings
          have too few sessions for a rate.
          {result.unplacedClicks > 0
            ? ` ${plural(result.unplacedClicks, "element is", "elements are")} not visible in this snapshot and drawn at the recorded position.`
            : ""}
        </Text>
      </BlockStack>
    </div>
  );
}

function topClickedElement(groups: ClickGroup[]) {
  const bySelector = new Map<string, number>();
  let total = 0;
  for (const group of groups) {
    bySelector.set(
      group.selector,
      (bySelector.get(group.selector) ?? 0) + group.clicks,
    );
    total += group.clicks;
  }
  let best: { selector: string; clicks: number; total: number } | null = null;
  for (const [selector, clicks] of bySelector) {
    if (!best || clicks > best.clicks) best = { selector, clicks, total };
  }
  return best;
}

async function render(root: HTMLDivElement, props: Props): Promise<DrawResult> {
  const { mode, snapshot, scroll, elements, fallbackViewport } = props;
  const clickGroups =
    mode === "elements"
      ? elements.map((element) => ({ ...element, clicks: element.sessions }))
      : props.clickGroups;
  let doc: Document;
  let snapshotFailed = false;
  try {
    doc = snapshot
      ? await rebuildSnapshot(root, snapshot)
      : blankDocument(root, fallbackViewport, clickGroups);
  } catch (error) {
    // A host removed for newer data is not a broken snapshot: the caller
    // drops this render without a word.
    if (!root.isConnected) throw error;
    // A snapshot that cannot be rebuilt still leaves the clicks to show.
    console.warn("page snapshot could not be rebuilt", error);
    root.replaceChildren();
    doc = blankDocument(root, fallbackViewport, clickGroups);
    snapshotFailed = true;
  }
  const overlay = overlayCanvas(doc);
  if (mode === "scroll") {
    drawScrollReach(overlay, scroll.reach, scroll.bandPercent);
    const release = await attachOverlay(doc, overlay);
    return { hottest: null, unplacedClicks: 0, snapshotFailed, release };
  }
  if (mode === "elements") {
    const bubbles = placeBubbles(doc, elements);
    drawBubbles(overlay, elements, bubbles);
    const release = await attachOverlay(doc, overlay);
    const unplaced = bubbles.filter((bubble) => !bubble.onElement).length;
    return {
      hottest: null,
      unplacedClicks: snapshot && !snapshotFailed ? unplaced : 0,
      snapshotFailed,
      release,
    };
  }
  const { points, unplaced } = placeClickGroups(doc, clickGroups);
  const grid = binPoints(points, HEAT_CELL_PX);
  drawHeat(overlay, grid.cells, grid.maxWeight);
  const release = await attachOverlay(doc, overlay);
  return {
    hottest: grid.hottest,
    unplacedClicks: snapshot && !snapshotFailed ? unplaced : 0,
    snapshotFailed,
    release,
  };
}

async function rebuildSnapshot(
  root: HTMLDivElement,
  snapshot: PageSnapshotData,
): Promise<Document> {
  // Loaded on demand: the serializer is only needed on this page, and only
  // in the browser.
  const { createCache, createMirror, rebuildIntoSandboxedIframe } =
    await import("rrweb-snapshot");
  const { iframe } = rebuildIntoSandboxedIframe(snapshot.node as never, {
    root,
    iframeAttributes: {
      title: "Page snapshot",
      style: `width:${snapshot.viewportWidth}px;height:${snapshot.viewportHeight}px;border:0;display:block`,
    },
    cache: createCache(),
    mirror: createMirror(),
    hackCss: true,
  });
  const doc = iframe.contentDocument!;
  await settleLayout(doc);
  return doc;
}

/** Creates a white page the size of the clicks, for paths without a snapshot. */
function blankDocument(
  root: HTMLDivElement,
  viewport: { width: number; height: number },
  groups: ClickGroup[],
): Document {
  const iframe = document.createElement("iframe");
  iframe.setAttribute("sandbox", "allow-same-origin");
  iframe.title = "Click positions";
  iframe.style.cssText = `width:${viewport.width}px;height:${viewport.height}px;border:0;display:block`;
  root.appendChild(iframe);
  const doc = iframe.contentDocument!;
  const deepest = groups.reduce((max, group) => Math.max(max, group.y), 0);
  doc.open();
  doc.write(
    `<!doctype html><html><body style="margin:0;height:${Math.ceil(deepest + 200)}px;background:#fafafa"></body></html>`,
  );
  doc.close();
  return doc;
}

/** Waits for the rebuilt page's fonts, images and two frames of layout. */
async function settleLayout(doc: Document): Promise<void> {
  const images = Array.from(doc.images).filter((image) => !image.complete);
  await Promise.race([
    Promise.all(
      images.map(
        (image) =>
          new Promise((resolve) => {
            image.addEventListener("load", resolve, { once: true });
            image.addEventListener("error", resolve, { once: true });
          }),
      ),
    ),
    new Promise((resolve) => setTimeout(resolve, 2000)),
  ]);
  await doc.fonts?.ready.catch(() => undefined);
  await new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(resolve)),
  );
}
