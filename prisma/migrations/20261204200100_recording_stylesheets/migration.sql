-- CreateTable
CREATE TABLE "RecordingStylesheet" (
    "shopId" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "lastUsedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RecordingStylesheet_pkey" PRIMARY KEY ("shopId","hash")
);

-- CreateIndex
CREATE INDEX "RecordingStylesheet_shopId_lastUsedAt_idx" ON "RecordingStylesheet"("shopId", "lastUsedAt");

-- AddForeignKey
ALTER TABLE "RecordingStylesheet" ADD CONSTRAINT "RecordingStylesheet_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
