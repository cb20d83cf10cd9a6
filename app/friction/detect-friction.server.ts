import type pg from "pg";
import type { ClickOutcome } from "~/ingest/payload-types";
import { withTransaction } from "~/transaction.server";
import { detectDeadClicks } from "./dead-click";
import { detectRageClicks } from "./rage-click";
import type { ClickRow, Interval } from "./types";

// Runs the click detectors over what arrived since the last run. A page view
// with new clicks is examined whole, so a burst split across two batches is
// still found; signals are unique per page view, time and selector, so
// examining a page view again adds nothing twice.

interface StoredClick {
  id: string;
  pageViewId: string;
  sessionId: string;
  path: string;
  device: string;
  x: number;
  y: number;
  selector: string;
  offsetX: number;
  offsetY: number;
  fixed: boolean;
  at: Date;
  outcome: ClickOutcome;
}

/** Page views examined per run, so one run stays short on a busy shop. */
const MAX_PAGE_VIEWS_PER_RUN = 5_000;

function toClickRow(click: StoredClick): ClickRow {
  const at = click.at.getTime();
  const after = (ms: number | null) => (ms === null ? null : at + ms);
  const outcome = click.outcome;
  // The script reports whether the page was hidden at the click; the
  // detectors read that as a hidden period around it.
  const hidden: Interval[] = outcome.hidden ? [[at - 1, at + 1]] : [];
  return {
    sessionId: click.sessionId,
    pageViewId: click.pageViewId,
    at,
    x: click.x,
    y: click.y,
    selector: click.selector,
    targetKind: outcome.targetKind,
    opensNewTab: outcome.opensNewTab,
    domChangeAt: after(outcome.domChangeMs),
    scrollAt: after(outcome.scrollMs),
    selectionChangeAt: after(outcome.selectionChangeMs),
    navigationAt: after(outcome.navigationMs),
    visibilityChangeAt: after(outcome.visibilityChangeMs),
    focusChangeAt: after(outcome.focusChangeMs),
    hiddenIntervals: hidden,
  };
}

/**
 * Detects rage and dead clicks in the shop's new clicks and stores them as
 * FrictionSignal rows. Returns the number of new signals. Runs of one shop
 * are serialised by a lock on its cursor row.
 */
export async function detectFriction(
  pool: pg.Pool,
  shopId: string,
  options: { excludedSelectors?: string[] } = {},
): Promise<number> {
  return withTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO "FrictionCursor" ("shopId", "lastEventId", "updatedAt")
       VALUES ($1, 0, now()) ON CONFLICT ("shopId") DO NOTHING`,
      [shopId],
    );
    const cursor = await client.query<{ lastEventId: string }>(
      `SELECT "lastEventId" FROM "FrictionCursor"
       WHERE "shopId" = $1 FOR UPDATE`,
      [shopId],
    );
    const after = cursor.rows[0].lastEventId;
    const fresh = await client.query<{ pageViewId: string; maxId: string }>(
      `SELECT "pageViewId", max(id) AS "maxId" FROM "InteractionEvent"
       WHERE "shopId" = $1 AND id > $2 AND type = 'click'
       GROUP BY "pageViewId"
       ORDER BY max(id)
       LIMIT ${MAX_PAGE_VIEWS_PER_RUN}`,
      [shopId, after],
    );
    if (fresh.rows.length === 0) return 0;

    const clicks = await client.query<StoredClick>(
      `SELECT e.id, e."pageViewId", e."sessionId", e.path, e.device, e.x, e.y,
              e.selector, e."offsetX", e."offsetY", COALESCE(e.fixed, false) AS fixed,
              e."occurredAt" AS at, e.outcome
       FROM "InteractionEvent" e
       JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
       WHERE e."shopId" = $1 AND e."pageViewId" = ANY($2::uuid[])
         AND e.type = 'click' AND e.outcome IS NOT NULL AND NOT s."isBot"
       ORDER BY e."occurredAt", e.id`,
      [shopId, fresh.rows.map((row) => row.pageViewId)],
    );
    const rows = clicks.rows.map(toClickRow);
    const byMoment = new Map(
      clicks.rows.map((click) => [
        `${click.pageViewId} ${click.at.getTime()} ${click.selector}`,
        click,
      ]),
    );
    const signals = [
      ...detectRageClicks(rows, options).map((signal) => ({
        kind: signal.kind,
        at: signal.startAt,
        pageViewId: signal.pageViewId,
        selector: signal.selector,
        clicks: signal.clicks,
      })),
      ...detectDeadClicks(rows).map((signal) => ({
        kind: signal.kind,
        at: signal.at,
        pageViewId: signal.pageViewId,
        selector: signal.selector,
        clicks: 1,
      })),
    ];
    const placed = signals.flatMap((signal) => {
      const click = byMoment.get(
        `${signal.pageViewId} ${signal.at} ${signal.selector}`,
      );
      return click ? [{ signal, click }] : [];
    });

    let inserted = 0;
    if (placed.length > 0) {
      const result = await client.query(
        `INSERT INTO "FrictionSignal"
           ("shopId", kind, "sessionId", "pageViewId", path, device, selector,
            x, y, "offsetX", "offsetY", fixed, clicks, "occurredAt")
         SELECT $1, s.kind, s.session, s.page, s.path, s.device, s.selector,
                s.x, s.y, s.offset_x, s.offset_y, s.fixed, s.clicks, s.at
         FROM unnest($2::text[], $3::uuid[], $4::uuid[], $5::text[],
                     $6::text[], $7::text[], $8::float8[], $9::float8[],
                     $10::float8[], $11::float8[], $12::bool[], $13::int[],
                     $14::timestamptz[])
           AS s(kind, session, page, path, device, selector, x, y, offset_x,
                offset_y, fixed, clicks, at)
         ON CONFLICT ("shopId", kind, "pageViewId", "occurredAt", selector)
         DO NOTHING`,
        [
          shopId,
          placed.map((p) => p.signal.kind),
          placed.map((p) => p.click.sessionId),
          placed.map((p) => p.click.pageViewId),
          placed.map((p) => p.click.path),
          placed.map((p) => p.click.device),
          placed.map((p) => p.click.selector),
          placed.map((p) => p.click.x),
          placed.map((p) => p.click.y),
          placed.map((p) => p.click.offsetX),
          placed.map((p) => p.click.offsetY),
          placed.map((p) => p.click.fixed),
          placed.map((p) => p.signal.clicks),
          placed.map((p) => p.click.at),
        ],
      );
      inserted = result.rowCount ?? 0;
    }
    const lastId = fresh.rows[fresh.rows.length - 1].maxId;
    await client.query(
      `UPDATE "FrictionCursor" SET "lastEventId" = $2, "updatedAt" = now()
       WHERE "shopId" = $1`,
      [shopId, lastId],
    );
    return inserted;
  });
}
