import type pg from "pg";
import { SESSION_IDLE_MS } from "../../extensions/storelens-embed/src/identity";
import type { ClickOutcome } from "~/ingest/payload-types";
import { isSettled, takeEventHorizon } from "~/jobs/event-horizon.server";
import { withTransaction } from "~/transaction.server";
import { clickRowOf } from "./click-row";
import { detectDeadClicks } from "./dead-click";
import { detectFormAbandonment } from "./form-abandonment";
import { detectHoverWithoutClick } from "./hover-without-click";
import { isExcluded } from "./excluded-selectors";
import { excludedSelectors } from "./friction-settings.server";
import { normaliseErrorMessage } from "./js-errors";
import { detectRageClicks } from "./rage-click";
import type { ClickRow } from "./types";
import { detectUTurns } from "./u-turn";

// Runs the detectors incrementally over events past the shop's cursor:
// - Page views with new clicks or errors are examined whole for rage and
//   dead clicks and JavaScript errors, so a burst split across two batches
//   is still found.
// - Visits with new events of any kind wait in FrictionPendingVisit until
//   30 minutes pass without activity. Then they are examined for what only
//   an ended visit shows: forms left unsubmitted, quick returns to the
//   previous page and hovers never followed by a click. Batches may arrive
//   in any order, and a late one puts its visit back in the queue.
// Signals are unique per kind, page view, time and selector, so examining
// something twice adds nothing twice.

interface StoredClick {
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

/** A signal as stored in FrictionSignal. */
export interface SignalRow {
  kind: string;
  sessionId: string;
  pageViewId: string;
  path: string;
  device: string;
  selector: string;
  x: number | null;
  y: number | null;
  offsetX: number | null;
  offsetY: number | null;
  fixed: boolean;
  clicks: number;
  detail: string | null;
  at: Date;
  /** On an element the merchant excluded: stored aside, not reported. */
  excluded?: boolean;
}

/** Page views examined per run, so one run stays short on a busy shop. */
const MAX_PAGE_VIEWS_PER_RUN = 5_000;
/** Ended visits examined per run; the rest wait for the next run. */
const MAX_ENDED_VISITS_PER_RUN = 5_000;

function toClickRow(click: StoredClick): ClickRow {
  return clickRowOf(
    {
      sessionId: click.sessionId,
      pageViewId: click.pageViewId,
      at: click.at.getTime(),
      x: click.x,
      y: click.y,
      selector: click.selector,
    },
    click.outcome,
  );
}

async function loadClicks(
  client: pg.PoolClient,
  shopId: string,
  column: '"pageViewId"' | '"sessionId"',
  ids: string[],
): Promise<StoredClick[]> {
  const result = await client.query<StoredClick>(
    `SELECT e."pageViewId", e."sessionId", e.path, e.device, e.x, e.y,
            e.selector, e."offsetX", e."offsetY", COALESCE(e.fixed, false) AS fixed,
            e."occurredAt" AS at, e.outcome
     FROM "InteractionEvent" e
     JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
     WHERE e."shopId" = $1 AND e.${column} = ANY($2::uuid[])
       AND e.type = 'click' AND e.outcome IS NOT NULL AND NOT s."isBot"
     ORDER BY e."occurredAt", e."pageViewId", e.id`,
    [shopId, ids],
  );
  return result.rows;
}

/** Rage and dead clicks and JavaScript errors of the given page views. */
async function pageViewSignals(
  client: pg.PoolClient,
  shopId: string,
  pageViewIds: string[],
  excludedSelectors: string[],
): Promise<SignalRow[]> {
  const clicks = await loadClicks(client, shopId, '"pageViewId"', pageViewIds);
  const rows = clicks.map(toClickRow);
  const byMoment = new Map(
    clicks.map((click) => [
      `${click.pageViewId} ${click.at.getTime()} ${click.selector}`,
      click,
    ]),
  );
  const excluded = (selector: string) =>
    isExcluded(selector, excludedSelectors);
  // Bursts are found without the excluded clicks, as reports show them, and
  // the excluded elements' own bursts once more from every click.
  const rage = [
    ...detectRageClicks(rows, { excludedSelectors }),
    ...(excludedSelectors.length > 0
      ? detectRageClicks(rows).filter((signal) => excluded(signal.selector))
      : []),
  ];
  const found = [
    ...rage.map((signal) => ({
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
  const signals: SignalRow[] = found.flatMap((signal) => {
    const click = byMoment.get(
      `${signal.pageViewId} ${signal.at} ${signal.selector}`,
    );
    if (!click) return [];
    return [
      {
        kind: signal.kind,
        sessionId: click.sessionId,
        pageViewId: click.pageViewId,
        path: click.path,
        device: click.device,
        selector: click.selector,
        x: click.x,
        y: click.y,
        offsetX: click.offsetX,
        offsetY: click.offsetY,
        fixed: click.fixed,
        clicks: signal.clicks,
        detail: null,
        at: click.at,
        excluded: excluded(click.selector),
      },
    ];
  });

  // One signal per page view and error message, at its first occurrence.
  const errors = await client.query<{
    sessionId: string;
    pageViewId: string;
    path: string;
    device: string;
    message: string;
    at: Date;
  }>(
    `SELECT e."sessionId", e."pageViewId", e.path, e.device, e.message,
            e."occurredAt" AS at
     FROM "InteractionEvent" e
     JOIN "VisitorSession" s ON s."shopId" = e."shopId" AND s.id = e."sessionId"
     WHERE e."shopId" = $1 AND e."pageViewId" = ANY($2::uuid[])
       AND e.type = 'error' AND NOT s."isBot"
     ORDER BY e."occurredAt", e.id`,
    [shopId, pageViewIds],
  );
  const seen = new Set<string>();
  for (const error of errors.rows) {
    const message = normaliseErrorMessage(error.message);
    const key = `${error.pageViewId} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    signals.push({
      ...pageSignal("js-error", error),
      detail: message,
      at: error.at,
    });
  }
  return signals;
}

function pageSignal(
  kind: string,
  page: { sessionId: string; pageViewId: string; path: string; device: string },
): Omit<SignalRow, "at" | "detail"> {
  return {
    kind,
    sessionId: page.sessionId,
    pageViewId: page.pageViewId,
    path: page.path,
    device: page.device,
    selector: "",
    x: null,
    y: null,
    offsetX: null,
    offsetY: null,
    fixed: false,
    clicks: 1,
  };
}

/** Form abandonment, U-turns and hovers without a click of ended visits. */
async function endedVisitSignals(
  client: pg.PoolClient,
  shopId: string,
  sessionIds: string[],
): Promise<SignalRow[]> {
  const views = await client.query<{
    sessionId: string;
    pageViewId: string;
    path: string;
    device: string;
    startedAt: Date;
  }>(
    `SELECT "sessionId", id AS "pageViewId", path, device, "startedAt"
     FROM "PageView"
     WHERE "shopId" = $1 AND "sessionId" = ANY($2::uuid[])`,
    [shopId, sessionIds],
  );
  const pageViews = new Map(views.rows.map((view) => [view.pageViewId, view]));
  const events = await client.query<{
    type: string;
    sessionId: string;
    pageViewId: string;
    selector: string;
    form: string | null;
    durationMs: number | null;
    cta: boolean | null;
    at: Date;
  }>(
    `SELECT type, "sessionId", "pageViewId", selector, form, "durationMs",
            cta, "occurredAt" AS at
     FROM "InteractionEvent"
     WHERE "shopId" = $1 AND "sessionId" = ANY($2::uuid[])
       AND type IN ('focus', 'submit', 'hover', 'click')
     ORDER BY "occurredAt", id`,
    [shopId, sessionIds],
  );
  const ofType = (type: string) =>
    events.rows.filter((event) => event.type === type);

  const signals: SignalRow[] = [];
  const forms = detectFormAbandonment(
    ofType("focus").map((focus) => ({
      sessionId: focus.sessionId,
      pageViewId: focus.pageViewId,
      formSelector: focus.form ?? "",
      field: focus.selector,
      at: focus.at.getTime(),
    })),
    ofType("submit").map((submit) => ({
      pageViewId: submit.pageViewId,
      formSelector: submit.form ?? "",
      at: submit.at.getTime(),
    })),
  );
  for (const signal of forms.signals) {
    const view = pageViews.get(signal.pageViewId);
    if (!view) continue;
    signals.push({
      ...pageSignal(signal.kind, view),
      selector: signal.field,
      detail: signal.formSelector || null,
      at: new Date(signal.at),
    });
  }

  for (const signal of detectUTurns(
    views.rows.map((view) => ({
      sessionId: view.sessionId,
      pageViewId: view.pageViewId,
      path: view.path,
      startedAt: view.startedAt.getTime(),
    })),
  )) {
    const view = pageViews.get(signal.pageViewId)!;
    signals.push({
      ...pageSignal(signal.kind, view),
      detail: signal.returnedTo,
      at: view.startedAt,
    });
  }

  const hovers = detectHoverWithoutClick(
    ofType("hover").map((hover) => ({
      sessionId: hover.sessionId,
      pageViewId: hover.pageViewId,
      selector: hover.selector,
      isCallToAction: hover.cta === true,
      startAt: hover.at.getTime(),
      endAt: hover.at.getTime() + (hover.durationMs ?? 0),
    })),
    ofType("click").map((click) => ({
      pageViewId: click.pageViewId,
      selector: click.selector,
      at: click.at.getTime(),
    })),
  );
  for (const signal of hovers) {
    const view = pageViews.get(signal.pageViewId);
    if (!view) continue;
    signals.push({
      ...pageSignal(signal.kind, view),
      selector: signal.selector,
      detail: null,
      at: new Date(signal.startAt),
    });
  }
  return signals;
}

/**
 * Stores signals, those on excluded elements in ExcludedFrictionSignal
 * with an id from FrictionSignal's sequence, so they can move back.
 * Returns the number of new reported signals.
 */
async function insertSignals(
  client: pg.PoolClient,
  shopId: string,
  signals: SignalRow[],
): Promise<number> {
  const aside = signals.filter((signal) => signal.excluded);
  await insertInto(client, "ExcludedFrictionSignal", shopId, aside);
  const reported = signals.filter((signal) => !signal.excluded);
  return insertInto(client, "FrictionSignal", shopId, reported);
}

async function insertInto(
  client: pg.PoolClient,
  table: "FrictionSignal" | "ExcludedFrictionSignal",
  shopId: string,
  signals: SignalRow[],
): Promise<number> {
  if (signals.length === 0) return 0;
  const column = <K extends keyof SignalRow>(key: K) =>
    signals.map((signal) => signal[key]);
  const result = await client.query(
    `INSERT INTO "${table}"
       (id, "shopId", kind, "sessionId", "pageViewId", path, device, selector,
        x, y, "offsetX", "offsetY", fixed, clicks, detail, "occurredAt")
     SELECT nextval('"FrictionSignal_id_seq"'),
            $1, s.kind, s.session, s.page, s.path, s.device, s.selector,
            s.x, s.y, s.offset_x, s.offset_y, s.fixed, s.clicks, s.detail, s.at
     FROM unnest($2::text[], $3::uuid[], $4::uuid[], $5::text[],
                 $6::text[], $7::text[], $8::float8[], $9::float8[],
                 $10::float8[], $11::float8[], $12::bool[], $13::int[],
                 $14::text[], $15::timestamptz[])
       AS s(kind, session, page, path, device, selector, x, y, offset_x,
            offset_y, fixed, clicks, detail, at)
     ON CONFLICT ("shopId", kind, "pageViewId", "occurredAt", selector)
     DO NOTHING`,
    [
      shopId,
      column("kind"),
      column("sessionId"),
      column("pageViewId"),
      column("path"),
      column("device"),
      column("selector"),
      column("x"),
      column("y"),
      column("offsetX"),
      column("offsetY"),
      column("fixed"),
      column("clicks"),
      column("detail"),
      column("at"),
    ],
  );
  return result.rowCount ?? 0;
}

/**
 * Detects friction in what the shop received since the last run and
 * stores it as FrictionSignal rows. Returns the number of new signals.
 * Runs of one shop are serialised by a lock on its cursor row.
 */
export async function detectFriction(
  pool: pg.Pool,
  shopId: string,
  now: Date = new Date(),
): Promise<number> {
  // Horizons are read outside the transaction below, whose own id would
  // keep them from settling.
  const latest = await takeEventHorizon(pool);
  const stored = await pool.query<{
    horizonEventId: string | null;
    horizonXid: string | null;
  }>(
    `SELECT "horizonEventId", "horizonXid" FROM "FrictionCursor"
     WHERE "shopId" = $1`,
    [shopId],
  );
  const previous = stored.rows[0];
  let target: bigint | null = null;
  if (latest.settled) {
    target = BigInt(latest.eventId);
  } else if (
    previous?.horizonEventId &&
    previous.horizonXid &&
    (await isSettled(pool, previous.horizonXid))
  ) {
    target = BigInt(previous.horizonEventId);
  }

  return withTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO "FrictionCursor" ("shopId", "lastEventId", "updatedAt")
       VALUES ($1, 0, now()) ON CONFLICT ("shopId") DO NOTHING`,
      [shopId],
    );
    const cursor = await client.query<{
      lastEventId: string;
      horizonEventId: string | null;
    }>(
      `SELECT "lastEventId", "horizonEventId" FROM "FrictionCursor"
       WHERE "shopId" = $1 FOR UPDATE`,
      [shopId],
    );
    const { lastEventId, horizonEventId } = cursor.rows[0];
    // Saving the list takes the cursor lock too. Read after the lock, in a
    // statement of its own, the list is the one saved last.
    const excluded = await excludedSelectors(client, shopId);

    const readable = target !== null && target > BigInt(lastEventId);
    const fresh = readable
      ? await client.query<{
          pageViewId: string;
          sessionId: string;
          maxId: string;
          examine: boolean;
        }>(
          `SELECT "pageViewId", "sessionId", max(id) AS "maxId",
                  bool_or(type IN ('click', 'error')) AS examine
           FROM "InteractionEvent"
           WHERE "shopId" = $1 AND id > $2 AND id <= $3
           GROUP BY "pageViewId", "sessionId"
           ORDER BY max(id)
           LIMIT ${MAX_PAGE_VIEWS_PER_RUN}`,
          [shopId, lastEventId, target!.toString()],
        )
      : { rows: [] };
    await client.query(
      `INSERT INTO "FrictionPendingVisit" ("shopId", "sessionId")
       SELECT $1, unnest($2::uuid[])
       ON CONFLICT DO NOTHING`,
      [shopId, [...new Set(fresh.rows.map((row) => row.sessionId))]],
    );
    // Ended bot visits leave the queue unexamined.
    const ended = await client.query<{ sessionId: string; isBot: boolean }>(
      `DELETE FROM "FrictionPendingVisit" p
       USING "VisitorSession" s
       WHERE p."shopId" = $1 AND s."shopId" = $1 AND s.id = p."sessionId"
         AND p."sessionId" IN (
           SELECT q."sessionId" FROM "FrictionPendingVisit" q
           JOIN "VisitorSession" v ON v."shopId" = q."shopId" AND v.id = q."sessionId"
           WHERE q."shopId" = $1
             AND v."lastSeenAt" <= $2::timestamptz - make_interval(secs => $3)
           LIMIT ${MAX_ENDED_VISITS_PER_RUN})
       RETURNING p."sessionId", s."isBot"`,
      [shopId, now, SESSION_IDLE_MS / 1000],
    );
    const endedVisits = ended.rows
      .filter((row) => !row.isBot)
      .map((row) => row.sessionId);

    const examined = fresh.rows.filter((row) => row.examine);
    const signals = [
      ...(examined.length > 0
        ? await pageViewSignals(
            client,
            shopId,
            examined.map((row) => row.pageViewId),
            excluded,
          )
        : []),
      ...(endedVisits.length > 0
        ? await endedVisitSignals(client, shopId, endedVisits)
        : []),
    ];
    const inserted = await insertSignals(client, shopId, signals);

    // A run cut short by the page view limit resumes after its last group;
    // otherwise every id up to the settled horizon has been read.
    let newLast = BigInt(lastEventId);
    if (readable) {
      newLast =
        fresh.rows.length === MAX_PAGE_VIEWS_PER_RUN
          ? BigInt(fresh.rows[fresh.rows.length - 1].maxId)
          : target!;
    }
    // The latest horizon waits to settle once the stored one is reached.
    const replace =
      horizonEventId === null || newLast >= BigInt(horizonEventId);
    await client.query(
      `UPDATE "FrictionCursor" SET "lastEventId" = $2,
         "horizonEventId" = CASE WHEN $3 THEN $4::bigint ELSE "horizonEventId" END,
         "horizonXid" = CASE WHEN $3 THEN $5::bigint ELSE "horizonXid" END,
         "updatedAt" = now()
       WHERE "shopId" = $1`,
      [shopId, newLast.toString(), replace, latest.eventId, latest.xid],
    );
    return inserted;
  });
}
