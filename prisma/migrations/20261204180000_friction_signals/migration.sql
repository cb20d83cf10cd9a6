-- AlterTable
ALTER TABLE "InteractionEvent" ADD COLUMN     "outcome" JSONB;

-- CreateTable
CREATE TABLE "FrictionSignal" (
    "shopId" TEXT NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "sessionId" UUID NOT NULL,
    "pageViewId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "device" TEXT NOT NULL,
    "selector" TEXT NOT NULL,
    "x" DOUBLE PRECISION NOT NULL,
    "y" DOUBLE PRECISION NOT NULL,
    "offsetX" DOUBLE PRECISION NOT NULL,
    "offsetY" DOUBLE PRECISION NOT NULL,
    "fixed" BOOLEAN NOT NULL,
    "clicks" INTEGER NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FrictionSignal_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "FrictionCursor" (
    "shopId" TEXT NOT NULL,
    "lastEventId" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FrictionCursor_pkey" PRIMARY KEY ("shopId")
);

-- CreateIndex
CREATE INDEX "FrictionSignal_shopId_kind_occurredAt_idx" ON "FrictionSignal"("shopId", "kind", "occurredAt");

-- CreateIndex
CREATE INDEX "FrictionSignal_shopId_path_device_kind_occurredAt_idx" ON "FrictionSignal"("shopId", "path", "device", "kind", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "FrictionSignal_shopId_kind_pageViewId_occurredAt_selector_key" ON "FrictionSignal"("shopId", "kind", "pageViewId", "occurredAt", "selector");

-- AddForeignKey
ALTER TABLE "FrictionSignal" ADD CONSTRAINT "FrictionSignal_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FrictionCursor" ADD CONSTRAINT "FrictionCursor_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
