-- CreateTable
CREATE TABLE "RecordingSettings" (
    "shopId" TEXT NOT NULL,
    "sampleRate" DOUBLE PRECISION NOT NULL DEFAULT 0.05,
    "frictionCapture" BOOLEAN NOT NULL DEFAULT true,
    "retentionDays" INTEGER NOT NULL DEFAULT 30,
    "maskSelectors" TEXT NOT NULL DEFAULT '',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RecordingSettings_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "Recording" (
    "shopId" TEXT NOT NULL,
    "sessionId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "clockOffsetMs" BIGINT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3) NOT NULL,
    "chunkCount" INTEGER NOT NULL DEFAULT 0,
    "eventCount" INTEGER NOT NULL DEFAULT 0,
    "byteSize" INTEGER NOT NULL DEFAULT 0,
    "stoppedReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Recording_pkey" PRIMARY KEY ("shopId","sessionId")
);

-- CreateTable
CREATE TABLE "RecordingChunk" (
    "shopId" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "sessionId" UUID NOT NULL,
    "pageViewId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "firstAt" TIMESTAMP(3) NOT NULL,
    "lastAt" TIMESTAMP(3) NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RecordingChunk_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateIndex
CREATE INDEX "Recording_shopId_startedAt_idx" ON "Recording"("shopId", "startedAt");

-- CreateIndex
CREATE INDEX "RecordingChunk_shopId_sessionId_firstAt_idx" ON "RecordingChunk"("shopId", "sessionId", "firstAt");

-- CreateIndex
CREATE INDEX "RecordingChunk_shopId_receivedAt_idx" ON "RecordingChunk"("shopId", "receivedAt");

-- AddForeignKey
ALTER TABLE "RecordingSettings" ADD CONSTRAINT "RecordingSettings_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_shopId_sessionId_fkey" FOREIGN KEY ("shopId", "sessionId") REFERENCES "VisitorSession"("shopId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecordingChunk" ADD CONSTRAINT "RecordingChunk_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecordingChunk" ADD CONSTRAINT "RecordingChunk_shopId_sessionId_fkey" FOREIGN KEY ("shopId", "sessionId") REFERENCES "VisitorSession"("shopId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
