// Links into the recordings list, shared by the admin pages that point at
// the sessions behind a signal, a page or an element. Client-safe.

export const FRICTION_SIGNALS = ["rage-click", "dead-click"] as const;
export type FrictionSignalKind = (typeof FRICTION_SIGNALS)[number];

/** Filters of `/app/recordings`, each optional. */
export interface RecordingFilters {
  /** First and last day, YYYY-MM-DD in the shop's time zone. */
  from?: string;
  to?: string;
  device?: "mobile" | "tablet" | "desktop";
  /** A page the session viewed, such as `/products/linen-shirt`. */
  path?: string;
  /** CSS selector of an element the session clicked. */
  selector?: string;
  signal?: FrictionSignalKind;
  minDurationSeconds?: number;
  /** Net order revenue of the session, in shop currency. */
  minRevenue?: number;
  /** Only sessions that added to cart and did not order. */
  cartAbandoned?: boolean;
}

const PARAM_NAMES: Record<keyof RecordingFilters, string> = {
  from: "from",
  to: "to",
  device: "device",
  path: "path",
  selector: "selector",
  signal: "signal",
  minDurationSeconds: "minDuration",
  minRevenue: "minRevenue",
  cartAbandoned: "cartAbandoned",
};

export function recordingFilterParam(name: keyof RecordingFilters): string {
  return PARAM_NAMES[name];
}

/** Cursor of a page other than the first: older or newer rows. */
export type RecordingsPageParam = { after: string } | { before: string };

/**
 * Builds a `/app/recordings` URL that shows the sessions matching
 * `filters`, on the page of `page` or else the first.
 */
export function recordingsUrl(
  filters: RecordingFilters = {},
  page?: RecordingsPageParam,
): string {
  const params = new URLSearchParams();
  for (const name of Object.keys(PARAM_NAMES) as (keyof RecordingFilters)[]) {
    const value = filters[name];
    if (value === undefined || value === "" || value === false) continue;
    params.set(PARAM_NAMES[name], value === true ? "1" : String(value));
  }
  for (const [name, cursor] of Object.entries(page ?? {})) {
    params.set(name, cursor);
  }
  const query = params.toString();
  return query ? `/app/recordings?${query}` : "/app/recordings";
}
