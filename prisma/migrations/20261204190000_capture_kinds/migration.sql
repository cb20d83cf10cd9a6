-- AlterTable
ALTER TABLE "InteractionEvent" ADD COLUMN     "cta" BOOLEAN,
ADD COLUMN     "durationMs" INTEGER,
ADD COLUMN     "form" TEXT,
ADD COLUMN     "message" TEXT;

-- AlterTable
ALTER TABLE "FrictionSignal" ADD COLUMN     "detail" TEXT,
ALTER COLUMN "x" DROP NOT NULL,
ALTER COLUMN "y" DROP NOT NULL,
ALTER COLUMN "offsetX" DROP NOT NULL,
ALTER COLUMN "offsetY" DROP NOT NULL,
ALTER COLUMN "fixed" SET DEFAULT false;

-- CreateTable
CREATE TABLE "FrictionSettings" (
    "shopId" TEXT NOT NULL,
    "excludedSelectors" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FrictionSettings_pkey" PRIMARY KEY ("shopId")
);

-- AddForeignKey
ALTER TABLE "FrictionSettings" ADD CONSTRAINT "FrictionSettings_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
