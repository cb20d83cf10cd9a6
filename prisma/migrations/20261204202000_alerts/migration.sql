-- CreateTable
CREATE TABLE "AlertSettings" (
    "shopId" TEXT NOT NULL,
    "shopEmail" TEXT,
    "recipients" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "emailEnabled" BOOLEAN NOT NULL DEFAULT true,
    "quietStartMinute" INTEGER,
    "quietEndMinute" INTEGER,
    "dailyEmailCap" INTEGER NOT NULL DEFAULT 5,
    "mutedKinds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "frictionMinSessions" INTEGER NOT NULL DEFAULT 5,
    "frictionSpikeRatio" DOUBLE PRECISION NOT NULL DEFAULT 3,
    "dropMinPercent" INTEGER NOT NULL DEFAULT 20,
    "dropMinSessions" INTEGER NOT NULL DEFAULT 200,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertSettings_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "Alert" (
    "shopId" TEXT NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "revenueAtStake" DECIMAL(18,2),
    "currency" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "evidence" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMP(3),
    "snoozedUntil" TIMESTAMP(3),

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "AlertEmail" (
    "shopId" TEXT NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "alertId" BIGINT NOT NULL,
    "recipient" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "lastAttemptAt" TIMESTAMP(3),
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertEmail_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateIndex
CREATE INDEX "Alert_shopId_createdAt_idx" ON "Alert"("shopId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Alert_shopId_kind_subject_period_key" ON "Alert"("shopId", "kind", "subject", "period");

-- CreateIndex
CREATE INDEX "AlertEmail_shopId_status_nextAttemptAt_idx" ON "AlertEmail"("shopId", "status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "AlertEmail_shopId_alertId_recipient_key" ON "AlertEmail"("shopId", "alertId", "recipient");

-- CreateIndex
CREATE UNIQUE INDEX "AlertEmail_shopId_messageId_key" ON "AlertEmail"("shopId", "messageId");

-- AddForeignKey
ALTER TABLE "AlertSettings" ADD CONSTRAINT "AlertSettings_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertEmail" ADD CONSTRAINT "AlertEmail_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertEmail" ADD CONSTRAINT "AlertEmail_shopId_alertId_fkey" FOREIGN KEY ("shopId", "alertId") REFERENCES "Alert"("shopId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
