import type pg from "pg";
import { detectFriction } from "~/friction/detect-friction.server";
import type { DeviceClass } from "../ingest/payload-types";
import type { ClickGroup } from "./click-groups.server";
import type { DateRange } from "./date-range.server";
import { elementConversions } from "./element-conversion";
import { elementSessions } from "./element-sessions.server";
import { heatmapBands } from "./heatmap-bands.server";
import { heatmapGroups } from "./heatmap-groups.server";
import { latestPageSnapshot } from "./page-snapshot.server";
import { scrollDepths } from "./scroll-depths.server";
import { scrollReach } from "./scroll-reach";
import { signalGroups } from "./signal-groups.server";
import type { ViewportBand } from "./viewport-bands";
import { findBand } from "./viewport-bands";

/** The maps of the heatmap page. */
export type HeatmapTab =
  "clicks" | "scroll" | "moves" | "rage" | "dead" | "conversion";

const TOP_ELEMENTS = 10;

export interface HeatmapScope {
  shopId: string;
  timezone: string;
  device: DeviceClass;
  range: DateRange;
  path: string;
}

async function groupsOfTab(
  pool: pg.Pool,
  tab: HeatmapTab,
  filter: HeatmapScope & { band: ViewportBand },
): Promise<ClickGroup[]> {
  switch (tab) {
    case "clicks":
      return heatmapGroups(pool, { ...filter, kind: "click" });
    case "moves":
      // Touch screens have no pointer to follow between taps.
      return filter.device === "desktop"
        ? heatmapGroups(pool, { ...filter, kind: "move" })
        : [];
    case "rage":
    case "dead":
      await detectFriction(pool, filter.shopId);
      return signalGroups(pool, {
        ...filter,
        kind: tab === "rage" ? "rage-click" : "dead-click",
      });
    default:
      return [];
  }
}

/**
 * Loads one map of a page for a device class and viewport band: its bands
 * with their page views, the groups or elements to draw, the scroll reach
 * and the band's snapshot. Without a requested band, the busiest one.
 */
export async function heatmapReport(
  pool: pg.Pool,
  scope: HeatmapScope,
  tab: HeatmapTab,
  requestedBand: string | null,
) {
  const bands = await heatmapBands(pool, scope);
  const requested = findBand(requestedBand);
  const band =
    requested && requested.device === scope.device ? requested : bands[0].band;
  const filter = { ...scope, band };

  const [groups, depths, snapshot, sessions] = await Promise.all([
    groupsOfTab(pool, tab, filter),
    scrollDepths(pool, filter),
    latestPageSnapshot(pool, { ...scope, band: band.id }),
    tab === "conversion" ? elementSessions(pool, filter) : [],
  ]);
  return {
    band: band.id,
    bands: bands.map((row) => ({
      id: row.band.id,
      label: row.band.label,
      pageViews: row.pageViews,
    })),
    clickGroups: groups,
    scroll: scrollReach(depths),
    snapshot,
    topElements: topElements(groups),
    elements: elementConversions(sessions),
  };
}

function topElements(groups: { selector: string; clicks: number }[]) {
  const bySelector = new Map<string, number>();
  let total = 0;
  for (const group of groups) {
    bySelector.set(
      group.selector,
      (bySelector.get(group.selector) ?? 0) + group.clicks,
    );
    total += group.clicks;
  }
  return [...bySelector.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_ELEMENTS)
    .map(([selector, clicks]) => ({ selector, clicks, share: clicks / total }));
}
