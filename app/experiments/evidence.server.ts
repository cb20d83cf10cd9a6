import type pg from "pg";
import {
  parseDateRange,
  RANGE_BOUNDS_SQL,
} from "~/analytics/date-range.server";
import { frictionReport } from "~/friction/friction-report.server";

/** A new hypothesis's fields, filled in from the evidence it starts from. */
export interface HypothesisDraft {
  title: string;
  pages: string[];
  evidenceKind: "friction" | "heatmap" | null;
  evidenceLabel: string | null;
  evidenceUrl: string | null;
  /** Estimated net revenue at stake per 30 days, in shop money. */
  revenueAtStake: number;
}

const EMPTY_DRAFT: HypothesisDraft = {
  title: "",
  pages: [],
  evidenceKind: null,
  evidenceLabel: null,
  evidenceUrl: null,
  revenueAtStake: 0,
};

const SIGNAL_NAMES: Record<string, string> = {
  "rage-click": "Rage clicks",
  "dead-click": "Dead clicks",
  "form-abandonment": "Forms left unfinished",
  "u-turn": "Quick returns",
  "hover-without-click": "Hovers without a click",
  "js-error": "JavaScript errors",
};

/** Heatmap tab that shows each kind of signal; clicks for the others. */
const HEATMAP_MODES: Record<string, string> = {
  "rage-click": "rage",
  "dead-click": "dead",
  "hover-without-click": "moves",
  "u-turn": "scroll",
};

const DEVICES = new Set(["mobile", "tablet", "desktop"]);

function heatmapUrl(path: string, device: string, mode: string, query: string) {
  return `/app/heatmaps?path=${encodeURIComponent(path)}&device=${device}&mode=${mode}&${query}`;
}

/**
 * Builds a draft from the query string of a "Create hypothesis" link: a
 * friction hotspot (`signal`, `path`, `device`, `selector`) or a heatmap
 * (`path`, `device`), each over `from` and `to`. The hotspot is looked up
 * in the shop's own signals, so a forged link attaches no evidence. Revenue
 * at stake is the friction page's estimate for the signal kind (the RPS gap
 * between visits with and without it) times the hotspot's visits, scaled to
 * 30 days.
 */
export async function draftFromEvidence(
  pool: pg.Pool,
  shop: { id: string; timezone: string },
  params: URLSearchParams,
): Promise<HypothesisDraft> {
  const path = params.get("path");
  const device = params.get("device") ?? "";
  if (!path?.startsWith("/") || !DEVICES.has(device)) return EMPTY_DRAFT;
  const range = parseDateRange(params, shop.timezone);
  const query = `from=${range.from}&to=${range.to}`;
  const signal = params.get("signal") ?? "";
  const selector = params.get("selector") ?? "";

  if (!SIGNAL_NAMES[signal]) {
    return {
      ...EMPTY_DRAFT,
      title: `Improve ${path} on ${device}`,
      pages: [path],
      evidenceKind: "heatmap",
      evidenceLabel: `Click heatmap of ${path} (${device}), ${range.from} to ${range.to}`,
      evidenceUrl: heatmapUrl(path, device, "clicks", query),
    };
  }

  const filter = [shop.id, range.from, range.to, shop.timezone];
  const hotspot = await pool.query<{ signals: string; sessions: string }>(
    `SELECT count(*) AS signals, count(DISTINCT "sessionId") AS sessions
     FROM "FrictionSignal"
     WHERE "shopId" = $1 AND kind = $5 AND path = $6 AND device = $7
       AND selector = $8
       AND "occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
       AND "occurredAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}`,
    [...filter, signal, path, device, selector],
  );
  const signals = Number(hotspot.rows[0].signals);
  const sessions = Number(hotspot.rows[0].sessions);
  if (signals === 0) return EMPTY_DRAFT;

  const report = await frictionReport(pool, {
    shopId: shop.id,
    timezone: shop.timezone,
    range,
  });
  const impact = report.impacts.find((entry) => entry.kind === signal);
  const gap =
    impact && impact.rpsWithout !== null
      ? Math.max(0, impact.rpsWithout - impact.rpsWith)
      : 0;
  const days =
    (Date.parse(`${range.to}T00:00:00Z`) -
      Date.parse(`${range.from}T00:00:00Z`)) /
      86_400_000 +
    1;
  const name = SIGNAL_NAMES[signal];
  // Quick returns and some errors have no element, only a page.
  const where = selector ? `${selector} at ${path}` : path;
  return {
    title: `Fix ${name.toLowerCase()} on ${selector || path}`,
    pages: [path],
    evidenceKind: "friction",
    evidenceLabel: `${name} on ${where} (${device}): ${signals} in ${sessions} sessions, ${range.from} to ${range.to}`,
    evidenceUrl: heatmapUrl(
      path,
      device,
      HEATMAP_MODES[signal] ?? "clicks",
      query,
    ),
    revenueAtStake: Math.round(((gap * sessions * 30) / days) * 100) / 100,
  };
}
