-- AlterTable
ALTER TABLE "HeatmapRollupCursor" ADD COLUMN     "timezone" TEXT;

-- Existing cells were built in the shop's present time zone.
UPDATE "HeatmapRollupCursor" c SET "timezone" = s."timezone"
FROM "Shop" s WHERE s."id" = c."shopId";
