import type { DateRange } from "./date-range.server";
import type { ViewportBand } from "./viewport-bands";
import { bandBounds } from "./viewport-bands";

/** One page's map: a device class, a viewport band and a date range. */
export interface PageMapFilter {
  shopId: string;
  timezone: string;
  path: string;
  device: string;
  band: ViewportBand;
  range: DateRange;
}

/**
 * Query parameters of a page map, in the order every heatmap query uses:
 * $1 shop, $2 path, $3 device, $4 first day, $5 last day, $6 time zone,
 * $7 and $8 the band's narrowest and widest viewport.
 */
export function pageMapParams(filter: PageMapFilter): (string | number)[] {
  const { minWidth, maxWidth } = bandBounds(filter.band);
  return [
    filter.shopId,
    filter.path,
    filter.device,
    filter.range.from,
    filter.range.to,
    filter.timezone,
    minWidth,
    maxWidth,
  ];
}
