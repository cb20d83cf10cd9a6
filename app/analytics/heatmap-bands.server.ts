import type pg from "pg";
import type { DeviceClass } from "../ingest/payload-types";
import type { DateRange } from "./date-range.server";
import { RANGE_BOUNDS_SQL } from "./date-range.server";
import type { ViewportBand } from "./viewport-bands";
import { bandIdSql, bandsOfDevice } from "./viewport-bands";

export interface BandRow {
  band: ViewportBand;
  pageViews: number;
}

/**
 * Lists every band of a device class with the page's views in it, busiest
 * first. Bands without views follow in width order.
 */
export async function heatmapBands(
  pool: pg.Pool,
  filter: {
    shopId: string;
    timezone: string;
    path: string;
    device: DeviceClass;
    range: DateRange;
  },
): Promise<BandRow[]> {
  const result = await pool.query<{ band: string; page_views: string }>(
    `SELECT ${bandIdSql('pv."viewportWidth"')} AS band,
            count(*) AS page_views
     FROM "PageView" pv
     JOIN "VisitorSession" s ON s."shopId" = pv."shopId" AND s.id = pv."sessionId"
     WHERE pv."shopId" = $1 AND pv.path = $2 AND pv.device = $3
       AND pv."startedAt" >= ${RANGE_BOUNDS_SQL.lower("$4", "$6")}
       AND pv."startedAt" < ${RANGE_BOUNDS_SQL.upper("$5", "$6")}
       AND NOT s."isBot"
     GROUP BY 1`,
    [
      filter.shopId,
      filter.path,
      filter.device,
      filter.range.from,
      filter.range.to,
      filter.timezone,
    ],
  );
  const views = new Map(
    result.rows.map((row) => [row.band, Number(row.page_views)]),
  );
  const bands = bandsOfDevice(filter.device);
  return bands
    .map((band, order) => ({ band, pageViews: views.get(band.id) ?? 0, order }))
    .sort((a, b) => b.pageViews - a.pageViews || a.order - b.order)
    .map(({ band, pageViews }) => ({ band, pageViews }));
}
