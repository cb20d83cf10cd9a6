import type pg from "pg";
import { RANGE_BOUNDS_SQL } from "~/analytics/date-range.server";
import type { AlertPreferences } from "./alert-settings";
import { frictionAlert, type NewAlert } from "./alert-content";
import { addDays } from "./days";
import {
  FRICTION_BASELINE_DAYS,
  frictionRevenueAtStake,
  judgeFriction,
  type FrictionCandidate,
} from "./friction-rules";

/** Elements judged per shop and day, the most affected first. */
const MAX_CANDIDATES = 20;
/** An element alerted once is not alerted again within this many days. */
const REALERT_DAYS = 7;
const CLICK_KINDS = ["rage-click", "dead-click"];

interface Shop {
  id: string;
  timezone: string;
  currency: string;
}

/**
 * Friction alerts of one shop-local day: elements where enough shoppers
 * met rage or dead clicks, judged against the 28 days before.
 */
export async function frictionAlerts(
  pool: pg.Pool,
  shop: Shop,
  day: string,
  preferences: AlertPreferences,
  context: { historyDays: number; dailyRevenue: number },
): Promise<NewAlert[]> {
  const baselineFrom = addDays(day, -FRICTION_BASELINE_DAYS);
  const baselineTo = addDays(day, -1);
  const found = await pool.query<{
    path: string;
    selector: string;
    device: string;
    sessions: number;
    rageSignals: number;
    deadSignals: number;
    clicks: number;
    sessionIds: string[];
  }>(
    `SELECT path, selector, mode() WITHIN GROUP (ORDER BY device) AS device,
            count(DISTINCT "sessionId")::int AS sessions,
            count(*) FILTER (WHERE kind = 'rage-click')::int AS "rageSignals",
            count(*) FILTER (WHERE kind = 'dead-click')::int AS "deadSignals",
            sum(clicks)::int AS clicks,
            array_agg(DISTINCT "sessionId")::text[] AS "sessionIds"
     FROM "FrictionSignal"
     WHERE "shopId" = $1 AND kind = ANY($5::text[]) AND selector <> ''
       AND "occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$2", "$3")}
       AND "occurredAt" < ${RANGE_BOUNDS_SQL.upper("$2", "$3")}
     GROUP BY path, selector
     HAVING count(DISTINCT "sessionId") >= $4
     ORDER BY sessions DESC, path, selector
     LIMIT ${MAX_CANDIDATES}`,
    [shop.id, day, shop.timezone, preferences.frictionMinSessions, CLICK_KINDS],
  );
  if (found.rows.length === 0) return [];

  const paths = found.rows.map((row) => row.path);
  const selectors = found.rows.map((row) => row.selector);
  const [baseline, pages, alerted] = await Promise.all([
    pool.query<{ path: string; selector: string; sessions: number }>(
      `SELECT c.path, c.selector, count(DISTINCT f."sessionId")::int AS sessions
       FROM unnest($2::text[], $3::text[]) AS c(path, selector)
       JOIN "FrictionSignal" f
         ON f."shopId" = $1 AND f.path = c.path AND f.selector = c.selector
        AND f.kind = ANY($7::text[])
        AND f."occurredAt" >= ${RANGE_BOUNDS_SQL.lower("$4", "$6")}
        AND f."occurredAt" < ${RANGE_BOUNDS_SQL.upper("$5", "$6")}
       GROUP BY c.path, c.selector`,
      [
        shop.id,
        paths,
        selectors,
        baselineFrom,
        baselineTo,
        shop.timezone,
        CLICK_KINDS,
      ],
    ),
    pool.query<{
      path: string;
      daySessions: number;
      baselineSessions: number;
      baselineRevenue: string;
    }>(
      `SELECT key AS path,
              COALESCE(sum(sessions) FILTER (WHERE day = $3::date), 0)::int
                AS "daySessions",
              COALESCE(sum(sessions) FILTER (WHERE day < $3::date), 0)::int
                AS "baselineSessions",
              COALESCE(sum("netRevenue") FILTER (WHERE day < $3::date), 0)::text
                AS "baselineRevenue"
       FROM "DailyRevenueStat"
       WHERE "shopId" = $1 AND dimension = 'page' AND key = ANY($2::text[])
         AND day >= $4::date AND day <= $3::date
       GROUP BY key`,
      [shop.id, [...new Set(paths)], day, baselineFrom],
    ),
    pool.query<{ subject: string }>(
      `SELECT DISTINCT subject FROM "Alert"
       WHERE "shopId" = $1 AND kind IN ('friction-new', 'friction-spike')
         AND period >= $2 AND period <= $3`,
      [shop.id, addDays(day, -REALERT_DAYS), addDays(day, REALERT_DAYS)],
    ),
  ]);
  const baselineOf = new Map(
    baseline.rows.map((row) => [`${row.path} ${row.selector}`, row.sessions]),
  );
  const pageOf = new Map(pages.rows.map((row) => [row.path, row]));
  const recentlyAlerted = new Set(alerted.rows.map((row) => row.subject));

  const alerts: NewAlert[] = [];
  for (const row of found.rows) {
    const subject = `${row.path} ${row.selector}`;
    if (recentlyAlerted.has(subject)) continue;
    const page = pageOf.get(row.path);
    const candidate: FrictionCandidate = {
      path: row.path,
      selector: row.selector,
      device: row.device,
      sessions: row.sessions,
      rageSignals: row.rageSignals,
      deadSignals: row.deadSignals,
      clicks: row.clicks,
      baselineSessions: baselineOf.get(subject) ?? 0,
      pageSessions: page?.daySessions ?? 0,
      baselinePageSessions: page?.baselineSessions ?? 0,
      baselinePageRevenue: Number(page?.baselineRevenue ?? 0),
      affectedRevenue: 0,
    };
    const verdict = judgeFriction(candidate, preferences, context.historyDays);
    if (!verdict) continue;
    candidate.affectedRevenue = await sessionsRevenue(
      pool,
      shop.id,
      row.sessionIds,
    );
    alerts.push(
      frictionAlert(candidate, verdict, {
        day,
        currency: shop.currency,
        revenueAtStake: frictionRevenueAtStake(candidate),
        dailyRevenue: context.dailyRevenue,
      }),
    );
  }
  return alerts;
}

async function sessionsRevenue(
  pool: pg.Pool,
  shopId: string,
  sessionIds: string[],
): Promise<number> {
  const result = await pool.query<{ net: string }>(
    `SELECT COALESCE(sum(net), 0)::text AS net FROM "OrderNet"
     WHERE "shopId" = $1 AND "sessionId" = ANY($2::uuid[])`,
    [shopId, sessionIds],
  );
  return Number(result.rows[0].net);
}
