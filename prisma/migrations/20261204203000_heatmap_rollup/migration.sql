-- DropIndex
DROP INDEX "PageSnapshot_shopId_path_device_day_key";

-- AlterTable
ALTER TABLE "PageSnapshot" ADD COLUMN     "band" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "HeatmapCell" (
    "shopId" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "device" TEXT NOT NULL,
    "band" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "selector" TEXT NOT NULL,
    "fixed" BOOLEAN NOT NULL,
    "cellX" SMALLINT NOT NULL,
    "cellY" SMALLINT NOT NULL,
    "events" INTEGER NOT NULL,
    "sumX" DOUBLE PRECISION NOT NULL,
    "sumY" DOUBLE PRECISION NOT NULL,
    "sumOffsetX" DOUBLE PRECISION NOT NULL,
    "sumOffsetY" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "HeatmapCell_pkey" PRIMARY KEY ("shopId","path","kind","device","band","day","selector","fixed","cellX","cellY")
);

-- CreateTable
CREATE TABLE "HeatmapRollupCursor" (
    "shopId" TEXT NOT NULL,
    "lastEventId" BIGINT NOT NULL,
    "horizonEventId" BIGINT,
    "horizonXid" BIGINT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HeatmapRollupCursor_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "HeatmapBotSession" (
    "shopId" TEXT NOT NULL,
    "sessionId" UUID NOT NULL,
    "markedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HeatmapBotSession_pkey" PRIMARY KEY ("shopId","sessionId")
);

-- CreateIndex
CREATE UNIQUE INDEX "PageSnapshot_shopId_path_device_band_day_key" ON "PageSnapshot"("shopId", "path", "device", "band", "day");

-- AddForeignKey
ALTER TABLE "HeatmapCell" ADD CONSTRAINT "HeatmapCell_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HeatmapRollupCursor" ADD CONSTRAINT "HeatmapRollupCursor_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HeatmapBotSession" ADD CONSTRAINT "HeatmapBotSession_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Snapshots taken before bands existed get the band of their viewport
-- width (the list in app/analytics/viewport-bands.ts).
UPDATE "PageSnapshot" SET band = CASE
    WHEN "viewportWidth" <= 359 THEN '0-359'
    WHEN "viewportWidth" <= 399 THEN '360-399'
    WHEN "viewportWidth" <= 479 THEN '400-479'
    WHEN "viewportWidth" <= 749 THEN '480-749'
    WHEN "viewportWidth" <= 767 THEN '750-767'
    WHEN "viewportWidth" <= 989 THEN '768-989'
    WHEN "viewportWidth" <= 1023 THEN '990-1023'
    WHEN "viewportWidth" <= 1279 THEN '1024-1279'
    WHEN "viewportWidth" <= 1439 THEN '1280-1439'
    WHEN "viewportWidth" <= 1919 THEN '1440-1919'
    ELSE '1920+' END;

-- A session flagged as a bot after its first batches may already have
-- events in HeatmapCell: mark it so the rollup takes them out again.
CREATE FUNCTION heatmap_mark_bot_session() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "HeatmapBotSession" ("shopId", "sessionId")
  VALUES (NEW."shopId", NEW.id)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;

CREATE TRIGGER heatmap_bot_session
AFTER UPDATE OF "isBot" ON "VisitorSession"
FOR EACH ROW WHEN (NEW."isBot" AND NOT OLD."isBot")
EXECUTE FUNCTION heatmap_mark_bot_session();
