-- AlterTable
ALTER TABLE "VisitorSession" ADD COLUMN     "clockObservedAt" TIMESTAMP(3),
ADD COLUMN     "clockOffsetMs" DOUBLE PRECISION;
