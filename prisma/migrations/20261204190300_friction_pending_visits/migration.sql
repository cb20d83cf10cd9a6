-- A cursor on last activity skipped visits delivered out of order; a queue
-- of visits with new events replaces it.
ALTER TABLE "FrictionCursor" DROP COLUMN "closedThrough";

-- CreateTable
CREATE TABLE "FrictionPendingVisit" (
    "shopId" TEXT NOT NULL,
    "sessionId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FrictionPendingVisit_pkey" PRIMARY KEY ("shopId","sessionId")
);

-- AddForeignKey
ALTER TABLE "FrictionPendingVisit" ADD CONSTRAINT "FrictionPendingVisit_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
