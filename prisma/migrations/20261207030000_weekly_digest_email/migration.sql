-- AlterTable
ALTER TABLE "AlertSettings" ADD COLUMN     "weeklyDigestEnabled" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "AlertEmail" ADD COLUMN     "digestWeek" TEXT,
ALTER COLUMN "alertId" DROP NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "AlertEmail_shopId_digestWeek_recipient_key" ON "AlertEmail"("shopId", "digestWeek", "recipient");

-- Each outbox row belongs to an alert or to a weekly digest, never both.
ALTER TABLE "AlertEmail" ADD CONSTRAINT "AlertEmail_alert_or_digest_check"
  CHECK (("alertId" IS NULL) <> ("digestWeek" IS NULL));
