-- AlterTable
ALTER TABLE "FrictionCursor" ADD COLUMN     "closedThrough" TIMESTAMP(3);
