import type { DeviceClass } from "../ingest/payload-types";

// Viewport bands split each device class by viewport width, so a heatmap
// only mixes clicks from layouts that look alike. A band never straddles a
// layout breakpoint of common themes: Dawn, the reference theme most
// Online Store 2.0 themes derive from, switches layout at 750 px and 990 px,
// and its page width tops out at 1200-1600 px. Inside a band the theme
// layout is the same and only text wrapping and image scale differ.
//
// The device class boundaries (767 / 1023 px) are those of the storefront
// script's `deviceClass`, so every width falls in exactly one band and that
// band belongs to the width's device class.

export interface ViewportBand {
  /** Stable id stored with rollup rows and snapshots, e.g. `1280-1439`. */
  id: string;
  device: DeviceClass;
  /** Narrowest width in the band, in CSS px. */
  minWidth: number;
  /** Widest width in the band, in CSS px; null for the open-ended band. */
  maxWidth: number | null;
  label: string;
}

function band(
  device: DeviceClass,
  minWidth: number,
  maxWidth: number | null,
  why: string,
): ViewportBand {
  const id = maxWidth === null ? `${minWidth}+` : `${minWidth}-${maxWidth}`;
  const range =
    maxWidth === null
      ? `${minWidth} px and wider`
      : minWidth === 0
        ? `under ${maxWidth + 1} px`
        : `${minWidth}–${maxWidth} px`;
  return { id, device, minWidth, maxWidth, label: `${range} (${why})` };
}

/** Every band, narrowest first; together they cover every width once. */
export const VIEWPORT_BANDS: readonly ViewportBand[] = [
  // Small phones (320 px iPhone SE, older Android).
  band("mobile", 0, 359, "small phones"),
  // The most common portrait phones: 360, 375, 390 and 393 px.
  band("mobile", 360, 399, "most phones"),
  // Large portrait phones: 412, 414, 428 and 430 px.
  band("mobile", 400, 479, "large phones"),
  // Landscape phones and foldables, below Dawn's 750 px breakpoint.
  band("mobile", 480, 749, "landscape phones"),
  // From 750 px Dawn already shows its tablet layout.
  band("mobile", 750, 767, "small tablets"),
  // Portrait tablets: 768, 810, 820 and 834 px iPads.
  band("tablet", 768, 989, "portrait tablets"),
  // From 990 px Dawn shows its desktop layout.
  band("tablet", 990, 1023, "wide tablets"),
  // Small laptops (1280 px minus scroll bars, 1024 px tablets in landscape).
  band("desktop", 1024, 1279, "small laptops"),
  // 1280 and 1366 px laptops: the theme's page width fills the window.
  band("desktop", 1280, 1439, "laptops"),
  // 1440-1680 px windows: content centred with side margins.
  band("desktop", 1440, 1919, "large laptops"),
  band("desktop", 1920, null, "full HD and wider"),
];

/** Returns the band that a viewport width falls in. */
export function bandOf(viewportWidth: number): ViewportBand {
  const width = Math.max(0, Math.floor(viewportWidth));
  for (const candidate of VIEWPORT_BANDS) {
    if (candidate.maxWidth === null || width <= candidate.maxWidth) {
      return candidate;
    }
  }
  return VIEWPORT_BANDS[VIEWPORT_BANDS.length - 1];
}

export function bandsOfDevice(device: DeviceClass): ViewportBand[] {
  return VIEWPORT_BANDS.filter((candidate) => candidate.device === device);
}

/** Finds the band with this id, or returns undefined for an unknown id. */
export function findBand(id: string | null): ViewportBand | undefined {
  return VIEWPORT_BANDS.find((candidate) => candidate.id === id);
}

/**
 * SQL expression computing the band id of an integer width column, built
 * from the same list as `bandOf` so the database and the app agree.
 */
export function bandIdSql(widthColumn: string): string {
  const cases = VIEWPORT_BANDS.filter((b) => b.maxWidth !== null).map(
    (b) => `WHEN ${widthColumn} <= ${b.maxWidth} THEN '${b.id}'`,
  );
  const last = VIEWPORT_BANDS[VIEWPORT_BANDS.length - 1];
  return `(CASE ${cases.join(" ")} ELSE '${last.id}' END)`;
}

/** Bounds of a band for `width >= min AND width <= max` filters. */
export function bandBounds(viewportBand: ViewportBand): {
  minWidth: number;
  maxWidth: number;
} {
  return {
    minWidth: viewportBand.minWidth,
    maxWidth: viewportBand.maxWidth ?? 2_147_483_647,
  };
}
