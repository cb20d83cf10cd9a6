import type pg from "pg";
import { localDay } from "~/analytics/date-range.server";
import { refreshRevenueRollup } from "~/analytics/revenue/revenue-rollup.server";
import { logger } from "~/logger.server";
import { withTransaction } from "~/transaction.server";
import type { NewAlert } from "./alert-content";
import { emailRecipients } from "./alert-settings";
import { addDays, daysBetween } from "./days";
import { baselineDailyRevenue } from "./drop-rules";
import { dropAlerts, weekdayTotals } from "./drop-alerts.server";
import { frictionAlerts } from "./friction-alerts.server";
import type { Mailer } from "./mailer.server";
import { loadPreferences } from "./settings.server";
import { storeAlert } from "./store-alerts.server";

export interface AlertShop {
  id: string;
  domain: string;
  name: string | null;
  timezone: string;
  currency: string;
}

/**
 * Runs every detector for one shop and stores new alerts with their
 * emails. Friction is judged for yesterday and today (signals of late
 * evening can arrive after midnight), drops for yesterday only, the last
 * whole day. Returns the number of new alerts; a run that finds only what
 * is already stored returns 0.
 */
export async function detectShopAlerts(
  pool: pg.Pool,
  shop: AlertShop,
  mailer: Mailer | null,
  now: Date = new Date(),
): Promise<number> {
  // Page sessions and revenue come from the rollup; bring it up to date.
  await refreshRevenueRollup(pool, shop);
  const preferences = await loadPreferences(shop.id);
  const today = localDay(now, shop.timezone);
  const yesterday = addDays(today, -1);

  const history = await pool.query<{ first: string | null }>(
    `SELECT to_char(min(day), 'YYYY-MM-DD') AS first FROM "DailyRevenueStat"
     WHERE "shopId" = $1 AND dimension = 'device'`,
    [shop.id],
  );
  const firstDay = history.rows[0].first;
  const weeks = await weekdayTotals(pool, shop.id, today);
  const context = (day: string) => ({
    historyDays: firstDay ? daysBetween(firstDay, day) : 0,
    dailyRevenue: baselineDailyRevenue(weeks.weeks),
  });

  const candidates: NewAlert[] = [
    ...(await frictionAlerts(
      pool,
      shop,
      yesterday,
      preferences,
      context(yesterday),
    )),
    ...(await frictionAlerts(pool, shop, today, preferences, context(today))),
    ...(await dropAlerts(pool, shop, yesterday, preferences)),
  ].filter((alert) => !preferences.mutedKinds.includes(alert.kind));

  const recipients = preferences.emailEnabled
    ? emailRecipients(preferences)
    : [];
  let created = 0;
  for (const alert of candidates) {
    const id = await withTransaction(pool, (client) =>
      storeAlert(client, shop, alert, { mailer, recipients, now }),
    );
    if (id !== null) {
      created += 1;
      logger.info(
        {
          shop: shop.domain,
          alert: id,
          kind: alert.kind,
          period: alert.period,
        },
        "alert raised",
      );
    }
  }
  return created;
}

/** Friction runs this recent mark a shop as having new signals. */
const RECENT_FRICTION_MS = 10 * 60_000;

/**
 * Runs the detectors for every installed shop, or with `recentFriction`
 * only for shops whose friction detectors ran in the last ten minutes (the
 * run that follows new signals). Returns the number of new alerts.
 */
export async function detectAllAlerts(
  pool: pg.Pool,
  mailer: Mailer | null,
  now: Date = new Date(),
  options: { recentFriction?: boolean } = {},
): Promise<number> {
  const shops = await pool.query<AlertShop>(
    `SELECT s.id, s.domain, s.name, s.timezone, s.currency FROM "Shop" s
     WHERE s."uninstalledAt" IS NULL
       AND (NOT $1 OR EXISTS (
         SELECT 1 FROM "FrictionCursor" c
         WHERE c."shopId" = s.id AND c."updatedAt" >= $2))`,
    [
      options.recentFriction === true,
      new Date(now.getTime() - RECENT_FRICTION_MS),
    ],
  );
  let created = 0;
  for (const shop of shops.rows) {
    try {
      created += await detectShopAlerts(pool, shop, mailer, now);
    } catch (error) {
      // One shop's failure must not hold back the others' alerts.
      logger.error({ shop: shop.domain, err: error }, "alert detection failed");
    }
  }
  return created;
}
