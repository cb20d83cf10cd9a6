-- CreateTable
CREATE TABLE "Hypothesis" (
    "shopId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "change" TEXT NOT NULL,
    "expectedEffect" TEXT NOT NULL,
    "metric" TEXT NOT NULL DEFAULT 'rps',
    "pages" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "state" TEXT NOT NULL DEFAULT 'idea',
    "evidenceKind" TEXT,
    "evidenceLabel" TEXT,
    "evidenceUrl" TEXT,
    "revenueAtStake" DECIMAL(18,2) NOT NULL DEFAULT 0,
    "mode" TEXT NOT NULL DEFAULT 'ab',
    "experimentKey" TEXT,
    "variants" JSONB NOT NULL DEFAULT '[]',
    "relativeEffect" DOUBLE PRECISION NOT NULL DEFAULT 0.05,
    "alpha" DOUBLE PRECISION NOT NULL DEFAULT 0.05,
    "power" DOUBLE PRECISION NOT NULL DEFAULT 0.8,
    "plannedSessionsPerArm" INTEGER,
    "startedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "changedAt" TIMESTAMP(3),
    "learning" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Hypothesis_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "ExperimentExposure" (
    "shopId" TEXT NOT NULL,
    "experimentKey" TEXT NOT NULL,
    "sessionId" UUID NOT NULL,
    "visitorId" UUID NOT NULL,
    "variant" TEXT NOT NULL,
    "exposedAt" TIMESTAMP(3) NOT NULL,
    "mixed" BOOLEAN NOT NULL DEFAULT false,
    "source" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExperimentExposure_pkey" PRIMARY KEY ("shopId","experimentKey","sessionId")
);

-- CreateIndex
CREATE INDEX "Hypothesis_shopId_state_idx" ON "Hypothesis"("shopId", "state");

-- CreateIndex
CREATE UNIQUE INDEX "Hypothesis_shopId_experimentKey_key" ON "Hypothesis"("shopId", "experimentKey");

-- CreateIndex
CREATE INDEX "ExperimentExposure_shopId_experimentKey_exposedAt_idx" ON "ExperimentExposure"("shopId", "experimentKey", "exposedAt");

-- AddForeignKey
ALTER TABLE "Hypothesis" ADD CONSTRAINT "Hypothesis_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExperimentExposure" ADD CONSTRAINT "ExperimentExposure_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: the closed sets of values the app relies on.
ALTER TABLE "Hypothesis"
  ADD CONSTRAINT "Hypothesis_state_check"
    CHECK (state IN ('idea', 'running', 'won', 'lost', 'inconclusive')),
  ADD CONSTRAINT "Hypothesis_metric_check" CHECK (metric IN ('rps', 'conversion')),
  ADD CONSTRAINT "Hypothesis_mode_check" CHECK (mode IN ('ab', 'before_after'));
