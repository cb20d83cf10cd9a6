-- Day marks become insert-only. Every ingest transaction marks its
-- session's day; with one row per (shop, day) updated in place, all
-- transactions of a shop queued on that row's lock until the one ahead
-- committed. Inserted rows never conflict: a mark still uncommitted is
-- invisible to the rollup refresh and so survives it, and committed marks
-- locked by another refresh are skipped.
ALTER TABLE "RevenueRollupDay" DROP CONSTRAINT "RevenueRollupDay_pkey";
ALTER TABLE "RevenueRollupDay" ADD COLUMN "id" BIGSERIAL NOT NULL;
ALTER TABLE "RevenueRollupDay"
  ADD CONSTRAINT "RevenueRollupDay_pkey" PRIMARY KEY ("shopId", "id");
CREATE INDEX "RevenueRollupDay_shopId_day_idx" ON "RevenueRollupDay"("shopId", "day");

CREATE OR REPLACE FUNCTION storelens_mark_day(shop_id TEXT, local_day DATE)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO "RevenueRollupDay" ("shopId", day) VALUES (shop_id, local_day);
$$;
