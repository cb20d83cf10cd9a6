import {
  Banner,
  BlockStack,
  Button,
  InlineStack,
  Text,
} from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import type { ReplayMarker } from "~/replay/recording-events.server";

type RrwebPlayer = import("rrweb-player").default;

/** Timeline colours of the friction tags, as rrweb-player draws them. */
export const MARKER_COLORS: Record<ReplayMarker["kind"], string> = {
  "rage-click": "#d72c0d",
  "dead-click": "#b98900",
  page: "#2c6ecb",
};

/**
 * Styles inside the replay frame. A frame the recorder could not enter and
 * a blocked element (payment fields) are drawn as hatched boxes with a
 * caption instead of staying blank.
 */
const PLACEHOLDER_RULES = [
  `iframe { background: repeating-linear-gradient(45deg, #f1f1f1 0 10px,
     #e3e3e3 10px 20px) !important; outline: 2px dashed #8a8a8a; }`,
  `.rr-block { background: repeating-linear-gradient(45deg, #f6f0fd 0 10px,
     #e9dcfb 10px 20px) !important; outline: 2px dashed #8051ff; }`,
  `.rr-block::after { content: "Not recorded"; font: 12px sans-serif;
     color: #4a2c91; }`,
];

export interface ReplayPlayerProps {
  events: unknown[];
  markers: ReplayMarker[];
  width?: number;
  height?: number;
}

function formatOffset(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

/**
 * rrweb-player, loaded in the browser only: it touches `document` when it
 * is imported, so the server render shows a placeholder and the player
 * mounts after hydration.
 */
export function ReplayPlayer({
  events,
  markers,
  width = 860,
  height = 484,
}: ReplayPlayerProps) {
  const target = useRef<HTMLDivElement>(null);
  const player = useRef<RrwebPlayer | null>(null);
  const [state, setState] = useState<"loading" | "ready" | "failed">("loading");
  const timestamps = events.map(
    (event) => (event as { timestamp: number }).timestamp,
  );
  const start = timestamps.length ? timestamps[0] : 0;
  const duration = timestamps.length
    ? timestamps[timestamps.length - 1] - start
    : 0;

  useEffect(() => {
    let cancelled = false;
    import("rrweb-player")
      .then(({ default: Player }) => {
        if (cancelled || !target.current) return;
        player.current = new Player({
          target: target.current,
          props: {
            events: events as never,
            width,
            height,
            autoPlay: false,
            skipInactive: true,
            showController: true,
            tags: MARKER_COLORS,
            insertStyleRules: PLACEHOLDER_RULES,
          },
        });
        setState("ready");
      })
      .catch(() => {
        if (!cancelled) setState("failed");
      });
    const container = target.current;
    return () => {
      cancelled = true;
      // The Svelte component behind the player has `$destroy`, which its
      // type declarations leave out.
      (player.current as { $destroy?: () => void } | null)?.$destroy?.();
      player.current = null;
      if (container) container.innerHTML = "";
    };
  }, [events, width, height]);

  return (
    <BlockStack gap="300">
      {state === "failed" ? (
        <Banner tone="critical" title="The player could not load">
          <p>
            Reload the page. If it keeps failing, the recording may be damaged.
          </p>
        </Banner>
      ) : null}
      {state === "loading" ? <Text as="p">Loading the player…</Text> : null}
      {/* The player owns this element's children, so React renders none. */}
      <div
        ref={target}
        data-testid="replay-player"
        data-state={state}
        data-duration-ms={duration}
        style={{ minHeight: height + 80 }}
      />
      {markers.length > 0 ? (
        <InlineStack gap="200" wrap>
          {markers.map((marker, index) => (
            <span
              key={`${marker.kind}-${marker.timestamp}-${index}`}
              data-marker-kind={marker.kind}
              data-offset-ms={marker.timestamp - start}
            >
              <Button
                size="slim"
                disabled={state !== "ready"}
                onClick={() =>
                  player.current?.goto(marker.timestamp - start, false)
                }
                accessibilityLabel={`Jump to ${marker.label}`}
              >
                {`${formatOffset(marker.timestamp - start)} ${marker.label}`}
              </Button>
            </span>
          ))}
        </InlineStack>
      ) : null}
    </BlockStack>
  );
}
