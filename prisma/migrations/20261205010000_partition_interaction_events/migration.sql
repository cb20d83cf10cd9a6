-- InteractionEvent becomes a table partitioned by range on "occurredAt",
-- one partition per UTC week (Monday 00:00 to the next Monday), so that
-- retention drops whole weeks and a date-range read skips the other weeks.
-- Prisma cannot express partitioning, so this file is written by hand. The
-- rows move over, and the id sequence (and so every id cursor) is kept.
-- Later weeks are created ahead by the partition manager
-- (app/jobs/event-partitions.server.ts); a DEFAULT partition takes any row
-- that no week partition covers, so an insert never fails.

-- The old table keeps its data until the copy is done. Its secondary
-- indexes go first, because the copy does not need them and the partitioned
-- table takes their names.
ALTER TABLE "InteractionEvent" RENAME TO "InteractionEvent_unpartitioned";
ALTER TABLE "InteractionEvent_unpartitioned"
  RENAME CONSTRAINT "InteractionEvent_pkey" TO "InteractionEvent_unpartitioned_pkey";
DROP INDEX "InteractionEvent_shopId_occurredAt_idx";
DROP INDEX "InteractionEvent_shopId_path_device_type_occurredAt_idx";
DROP INDEX "InteractionEvent_shopId_sessionId_idx";

-- Same columns in the same order, with the id default that reads the
-- existing sequence. The sequence then belongs to the new table, or
-- dropping the old one would drop it too.
CREATE TABLE "InteractionEvent" (
  LIKE "InteractionEvent_unpartitioned" INCLUDING DEFAULTS
) PARTITION BY RANGE ("occurredAt");
ALTER SEQUENCE "InteractionEvent_id_seq" OWNED BY "InteractionEvent"."id";

CREATE TABLE "InteractionEvent_default" PARTITION OF "InteractionEvent" DEFAULT;

-- A partition for every week that holds rows, and for the weeks live
-- ingest writes to: it dates events at most 31 days before receipt, and
-- the manager keeps 4 weeks ready ahead.
DO $$
DECLARE
  week timestamp;
BEGIN
  FOR week IN
    SELECT DISTINCT date_trunc('week', "occurredAt")
    FROM "InteractionEvent_unpartitioned"
    UNION
    SELECT generate_series(
      date_trunc('week', (now() AT TIME ZONE 'UTC') - interval '31 days'),
      date_trunc('week', now() AT TIME ZONE 'UTC') + interval '4 weeks',
      interval '1 week')
  LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF "InteractionEvent" FOR VALUES FROM (%L) TO (%L)',
      'InteractionEvent_w' || to_char(week, 'YYYYMMDD'),
      to_char(week, 'YYYY-MM-DD HH24:MI:SS'),
      to_char(week + interval '1 week', 'YYYY-MM-DD HH24:MI:SS'));
  END LOOP;
END $$;

INSERT INTO "InteractionEvent" SELECT * FROM "InteractionEvent_unpartitioned";
DROP TABLE "InteractionEvent_unpartitioned";

-- Keys and indexes are built after the copy, which is faster than keeping
-- them up to date row by row. On the partitioned table they are partitioned
-- indexes: every partition, present or attached later, gets its own.
ALTER TABLE "InteractionEvent"
  ADD CONSTRAINT "InteractionEvent_pkey" PRIMARY KEY ("shopId", "id", "occurredAt");
CREATE INDEX "InteractionEvent_shopId_occurredAt_idx"
  ON "InteractionEvent"("shopId", "occurredAt");
CREATE INDEX "InteractionEvent_shopId_path_device_type_occurredAt_idx"
  ON "InteractionEvent"("shopId", "path", "device", "type", "occurredAt");
CREATE INDEX "InteractionEvent_shopId_sessionId_idx"
  ON "InteractionEvent"("shopId", "sessionId");
ALTER TABLE "InteractionEvent"
  ADD CONSTRAINT "InteractionEvent_shopId_fkey" FOREIGN KEY ("shopId")
  REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
