import type pg from "pg";
import type { DateRange } from "~/analytics/date-range.server";
import { RANGE_BOUNDS_SQL } from "~/analytics/date-range.server";
import {
  detectScrollAbandonment,
  type ScrollAbandonment,
} from "./scroll-abandonment";
import type { KeyElement } from "./types";

// Scroll abandonment of the busiest pages, one device class at a time,
// with the key elements (add to cart, price, reviews) measured by the page
// snapshot of that device class.

export interface PageScrollAbandonment extends ScrollAbandonment {
  path: string;
  device: string;
}

/** Pages examined, busiest first. */
const MAX_PAGES = 8;
/**
 * Most recent page views read per page and device class; beyond this the
 * shares barely move, and the read stays fast.
 */
const MAX_PAGE_VIEWS = 20_000;

export async function scrollAbandonmentByPage(
  pool: pg.Pool,
  filter: { shopId: string; timezone: string; range: DateRange },
): Promise<PageScrollAbandonment[]> {
  const params = [
    filter.shopId,
    filter.range.from,
    filter.range.to,
    filter.timezone,
  ];
  const inRange = `pv."shopId" = $1
       AND pv."startedAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$4")}
       AND pv."startedAt" < ${RANGE_BOUNDS_SQL.upper("$3", "$4")}
       AND pv."documentHeight" > 0`;
  const pages = await pool.query<{ path: string; device: string }>(
    `SELECT pv.path, pv.device FROM "PageView" pv
     WHERE ${inRange}
     GROUP BY pv.path, pv.device
     ORDER BY count(*) DESC, pv.path, pv.device
     LIMIT ${MAX_PAGES}`,
    params,
  );

  const reports: PageScrollAbandonment[] = [];
  for (const page of pages.rows) {
    const [depths, snapshot] = await Promise.all([
      pool.query<{
        pageViewId: string;
        maxDepthPx: number;
        documentHeight: number;
      }>(
        `SELECT pv.id AS "pageViewId", pv."maxScrollPx" AS "maxDepthPx",
                pv."documentHeight"
         FROM "PageView" pv
         JOIN "VisitorSession" s ON s."shopId" = pv."shopId" AND s.id = pv."sessionId"
         WHERE ${inRange} AND pv.path = $5 AND pv.device = $6 AND NOT s."isBot"
         ORDER BY pv."startedAt" DESC
         LIMIT ${MAX_PAGE_VIEWS}`,
        [...params, page.path, page.device],
      ),
      pool.query<{ keyElements: KeyElement[] | null }>(
        `SELECT "keyElements" FROM "PageSnapshot"
         WHERE "shopId" = $1 AND path = $2 AND device = $3 AND "byteSize" > 0
         ORDER BY "createdAt" DESC LIMIT 1`,
        [filter.shopId, page.path, page.device],
      ),
    ]);
    const keyElements = snapshot.rows[0]?.keyElements ?? [];
    reports.push({
      path: page.path,
      device: page.device,
      ...detectScrollAbandonment(depths.rows, keyElements),
    });
  }
  return reports;
}
