-- AlterTable
ALTER TABLE "PageSnapshot" ADD COLUMN     "keyElements" JSONB;
