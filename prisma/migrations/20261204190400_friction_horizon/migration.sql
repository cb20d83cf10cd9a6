-- AlterTable
ALTER TABLE "FrictionCursor" ADD COLUMN     "horizonEventId" BIGINT,
ADD COLUMN     "horizonXid" BIGINT;
