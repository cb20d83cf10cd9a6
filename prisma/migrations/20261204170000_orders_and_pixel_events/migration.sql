-- AlterTable
ALTER TABLE "VisitorSession" ADD COLUMN     "channel" TEXT,
ADD COLUMN     "clientId" TEXT,
ADD COLUMN     "utmCampaign" TEXT,
ADD COLUMN     "utmMedium" TEXT,
ADD COLUMN     "utmSource" TEXT;

-- CreateTable
CREATE TABLE "StorefrontEvent" (
    "shopId" TEXT NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "sessionId" UUID NOT NULL,
    "clientId" TEXT,
    "name" TEXT NOT NULL,
    "shopifyEventId" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "path" TEXT,
    "productId" TEXT,
    "variantId" TEXT,
    "quantity" INTEGER,
    "amount" DECIMAL(18,2),
    "currency" TEXT,
    "checkoutToken" TEXT,
    "orderId" TEXT,
    "batchId" UUID NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StorefrontEvent_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "Order" (
    "shopId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT,
    "processedAt" TIMESTAMP(3) NOT NULL,
    "currency" TEXT NOT NULL,
    "totalPrice" DECIMAL(18,2) NOT NULL,
    "cancelledAt" TIMESTAMP(3),
    "test" BOOLEAN NOT NULL DEFAULT false,
    "financialStatus" TEXT,
    "sessionId" UUID,
    "clientId" TEXT,
    "checkoutToken" TEXT,
    "customerId" TEXT,
    "shopifyUpdatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "OrderRefund" (
    "shopId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "amount" DECIMAL(18,2) NOT NULL,
    "test" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OrderRefund_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "OrderBackfill" (
    "shopId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "cursor" TEXT,
    "imported" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "OrderBackfill_pkey" PRIMARY KEY ("shopId")
);

-- CreateIndex
CREATE INDEX "StorefrontEvent_shopId_occurredAt_idx" ON "StorefrontEvent"("shopId", "occurredAt");

-- CreateIndex
CREATE INDEX "StorefrontEvent_shopId_sessionId_idx" ON "StorefrontEvent"("shopId", "sessionId");

-- CreateIndex
CREATE INDEX "StorefrontEvent_shopId_name_occurredAt_idx" ON "StorefrontEvent"("shopId", "name", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "StorefrontEvent_shopId_shopifyEventId_key" ON "StorefrontEvent"("shopId", "shopifyEventId");

-- CreateIndex
CREATE INDEX "Order_shopId_processedAt_idx" ON "Order"("shopId", "processedAt");

-- CreateIndex
CREATE INDEX "Order_shopId_sessionId_idx" ON "Order"("shopId", "sessionId");

-- CreateIndex
CREATE INDEX "Order_shopId_checkoutToken_idx" ON "Order"("shopId", "checkoutToken");

-- CreateIndex
CREATE INDEX "OrderRefund_shopId_orderId_idx" ON "OrderRefund"("shopId", "orderId");

-- CreateIndex
CREATE INDEX "VisitorSession_shopId_clientId_idx" ON "VisitorSession"("shopId", "clientId");

-- AddForeignKey
ALTER TABLE "StorefrontEvent" ADD CONSTRAINT "StorefrontEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderRefund" ADD CONSTRAINT "OrderRefund_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderBackfill" ADD CONSTRAINT "OrderBackfill_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
