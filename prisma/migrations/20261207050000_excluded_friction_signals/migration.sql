-- CreateTable
CREATE TABLE "ExcludedFrictionSignal" (
    "shopId" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "sessionId" UUID NOT NULL,
    "pageViewId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "device" TEXT NOT NULL,
    "selector" TEXT NOT NULL,
    "x" DOUBLE PRECISION,
    "y" DOUBLE PRECISION,
    "offsetX" DOUBLE PRECISION,
    "offsetY" DOUBLE PRECISION,
    "fixed" BOOLEAN NOT NULL DEFAULT false,
    "clicks" INTEGER NOT NULL,
    "detail" TEXT,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExcludedFrictionSignal_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateIndex
CREATE INDEX "ExcludedFrictionSignal_shopId_sessionId_idx" ON "ExcludedFrictionSignal"("shopId", "sessionId");

-- CreateIndex
CREATE UNIQUE INDEX "ExcludedFrictionSignal_shopId_kind_pageViewId_occurredAt_se_key" ON "ExcludedFrictionSignal"("shopId", "kind", "pageViewId", "occurredAt", "selector");

-- AddForeignKey
ALTER TABLE "ExcludedFrictionSignal" ADD CONSTRAINT "ExcludedFrictionSignal_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
