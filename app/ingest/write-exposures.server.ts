import type pg from "pg";
import type { ValidBatch, ValidEvent } from "./batch-schema.server";
import type { AcceptedBatch } from "./write-batch.server";

type ExposureEvent = Extract<ValidEvent, { type: "exposure" }>;

interface ExposureRow {
  experiment: string;
  /** The batch's earliest exposure of the experiment. */
  first: ExposureEvent;
  /** True when the batch names more than one variant of the experiment. */
  mixed: boolean;
}

function firstExposures(events: ExposureEvent[]): ExposureRow[] {
  const rows = new Map<string, ExposureRow>();
  for (const event of events) {
    const row = rows.get(event.experiment);
    if (!row) {
      rows.set(event.experiment, {
        experiment: event.experiment,
        first: event,
        mixed: false,
      });
      continue;
    }
    if (event.variant !== row.first.variant) row.mixed = true;
    if (event.at < row.first.at) row.first = event;
  }
  return [...rows.values()];
}

/**
 * Stores the visit's exposures: the first variant stored for a visit and
 * experiment stays (a redelivered or later exposure never moves the visit
 * to another arm), and a visit that reports a second variant is marked
 * `mixed`. A batch that arrives late with an earlier exposure to the stored
 * variant moves the exposure time back, because experiments count orders
 * from it. Returns how many visits were newly assigned.
 */
export async function insertExposures(
  client: pg.PoolClient,
  { shop, batch, corrected }: AcceptedBatch,
): Promise<number> {
  const events = batch.events.filter(
    (event): event is ExposureEvent => event.type === "exposure",
  );
  if (events.length === 0) return 0;
  const rows = firstExposures(events);
  const result = await client.query<{ inserted: boolean }>(
    `INSERT INTO "ExperimentExposure" AS stored
       ("shopId", "experimentKey", "sessionId", "visitorId", variant,
        "exposedAt", mixed, source)
     SELECT $1, e.experiment, $2, $3, e.variant, e.at, e.mixed, $4
     FROM unnest($5::text[], $6::text[], $7::timestamptz[], $8::boolean[])
       AS e(experiment, variant, at, mixed)
     ON CONFLICT ("shopId", "experimentKey", "sessionId") DO UPDATE
       SET mixed = stored.mixed OR stored.variant <> EXCLUDED.variant
                   OR EXCLUDED.mixed,
           "exposedAt" = CASE WHEN stored.variant = EXCLUDED.variant
             THEN least(stored."exposedAt", EXCLUDED."exposedAt")
             ELSE stored."exposedAt" END
       WHERE stored.variant <> EXCLUDED.variant OR EXCLUDED.mixed
          OR (stored.variant = EXCLUDED.variant
              AND EXCLUDED."exposedAt" < stored."exposedAt")
     RETURNING (xmax = 0) AS inserted`,
    [
      shop.id,
      batch.sessionId,
      batch.visitorId,
      batch.source,
      rows.map((row) => row.experiment),
      rows.map((row) => row.first.variant),
      rows.map((row) => corrected(row.first.at)),
      rows.map((row) => row.mixed),
    ],
  );
  return result.rows.filter((row) => row.inserted).length;
}
