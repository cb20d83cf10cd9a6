-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN NOT NULL DEFAULT false,
    "locale" TEXT,
    "collaborator" BOOLEAN DEFAULT false,
    "emailVerified" BOOLEAN DEFAULT false,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shop" (
    "id" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "name" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "storefrontOrigins" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" TIMESTAMP(3),
    "firstEventAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VisitorSession" (
    "shopId" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "visitorId" UUID NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "device" TEXT NOT NULL,
    "userAgent" TEXT,
    "isBot" BOOLEAN NOT NULL DEFAULT false,
    "customerId" TEXT,
    "landingPath" TEXT,
    "referrer" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VisitorSession_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "PageView" (
    "shopId" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "sessionId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "title" TEXT,
    "referrer" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "viewportWidth" INTEGER NOT NULL,
    "viewportHeight" INTEGER NOT NULL,
    "device" TEXT NOT NULL,
    "maxScrollPx" INTEGER NOT NULL DEFAULT 0,
    "documentHeight" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PageView_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "InteractionEvent" (
    "shopId" TEXT NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "pageViewId" UUID NOT NULL,
    "sessionId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "clientAt" TIMESTAMP(3) NOT NULL,
    "path" TEXT NOT NULL,
    "device" TEXT NOT NULL,
    "viewportWidth" INTEGER NOT NULL,
    "viewportHeight" INTEGER NOT NULL,
    "x" DOUBLE PRECISION,
    "y" DOUBLE PRECISION,
    "selector" TEXT,
    "offsetX" DOUBLE PRECISION,
    "offsetY" DOUBLE PRECISION,
    "fixed" BOOLEAN,
    "touch" BOOLEAN,
    "scrollDepthPx" INTEGER,
    "documentHeight" INTEGER,
    "batchId" UUID NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InteractionEvent_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "PageSnapshot" (
    "shopId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "device" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "pageViewId" UUID NOT NULL,
    "viewportWidth" INTEGER NOT NULL,
    "viewportHeight" INTEGER NOT NULL,
    "documentHeight" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PageSnapshot_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "IngestBatch" (
    "shopId" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "eventCount" INTEGER NOT NULL,
    "pageCount" INTEGER NOT NULL,

    CONSTRAINT "IngestBatch_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "Shop_domain_key" ON "Shop"("domain");

-- CreateIndex
CREATE INDEX "VisitorSession_shopId_startedAt_idx" ON "VisitorSession"("shopId", "startedAt");

-- CreateIndex
CREATE INDEX "VisitorSession_shopId_visitorId_idx" ON "VisitorSession"("shopId", "visitorId");

-- CreateIndex
CREATE INDEX "VisitorSession_shopId_customerId_idx" ON "VisitorSession"("shopId", "customerId");

-- CreateIndex
CREATE INDEX "PageView_shopId_path_startedAt_idx" ON "PageView"("shopId", "path", "startedAt");

-- CreateIndex
CREATE INDEX "PageView_shopId_sessionId_idx" ON "PageView"("shopId", "sessionId");

-- CreateIndex
CREATE INDEX "InteractionEvent_shopId_occurredAt_idx" ON "InteractionEvent"("shopId", "occurredAt");

-- CreateIndex
CREATE INDEX "InteractionEvent_shopId_path_device_type_occurredAt_idx" ON "InteractionEvent"("shopId", "path", "device", "type", "occurredAt");

-- CreateIndex
CREATE INDEX "InteractionEvent_shopId_sessionId_idx" ON "InteractionEvent"("shopId", "sessionId");

-- CreateIndex
CREATE INDEX "PageSnapshot_shopId_path_device_createdAt_idx" ON "PageSnapshot"("shopId", "path", "device", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "PageSnapshot_shopId_path_device_day_key" ON "PageSnapshot"("shopId", "path", "device", "day");

-- CreateIndex
CREATE INDEX "IngestBatch_shopId_receivedAt_idx" ON "IngestBatch"("shopId", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_shopDomain_receivedAt_idx" ON "WebhookDelivery"("shopDomain", "receivedAt");

-- AddForeignKey
ALTER TABLE "VisitorSession" ADD CONSTRAINT "VisitorSession_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PageView" ADD CONSTRAINT "PageView_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InteractionEvent" ADD CONSTRAINT "InteractionEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PageSnapshot" ADD CONSTRAINT "PageSnapshot_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IngestBatch" ADD CONSTRAINT "IngestBatch_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
