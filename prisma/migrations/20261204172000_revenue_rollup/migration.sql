-- CreateTable
CREATE TABLE "DailyRevenueStat" (
    "shopId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "dimension" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "sessions" INTEGER NOT NULL,
    "convertingSessions" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "netRevenue" DECIMAL(18,2) NOT NULL,

    CONSTRAINT "DailyRevenueStat_pkey" PRIMARY KEY ("shopId","dimension","day","key")
);

-- CreateTable
CREATE TABLE "RevenueRollupDay" (
    "shopId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "markedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RevenueRollupDay_pkey" PRIMARY KEY ("shopId","day")
);

-- AddForeignKey
ALTER TABLE "DailyRevenueStat" ADD CONSTRAINT "DailyRevenueStat_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RevenueRollupDay" ADD CONSTRAINT "RevenueRollupDay_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Triggers that mark the shop-local day of a session's start as out of
-- date whenever the session, one of its orders or one of their refunds
-- changes. Written by hand: Prisma cannot express triggers.
CREATE FUNCTION storelens_mark_session_day(shop_id TEXT, session_id UUID)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO "RevenueRollupDay" ("shopId", day)
  SELECT v."shopId", (v."startedAt" AT TIME ZONE 'UTC' AT TIME ZONE s.timezone)::date
  FROM "VisitorSession" v JOIN "Shop" s ON s.id = v."shopId"
  WHERE v."shopId" = shop_id AND v.id = session_id
  ON CONFLICT DO NOTHING;
$$;

CREATE FUNCTION storelens_session_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "RevenueRollupDay" ("shopId", day)
  SELECT NEW."shopId", (NEW."startedAt" AT TIME ZONE 'UTC' AT TIME ZONE s.timezone)::date
  FROM "Shop" s WHERE s.id = NEW."shopId"
  ON CONFLICT DO NOTHING;
  IF TG_OP = 'UPDATE' AND OLD."startedAt" <> NEW."startedAt" THEN
    INSERT INTO "RevenueRollupDay" ("shopId", day)
    SELECT OLD."shopId", (OLD."startedAt" AT TIME ZONE 'UTC' AT TIME ZONE s.timezone)::date
    FROM "Shop" s WHERE s.id = OLD."shopId"
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "VisitorSession_rollup"
AFTER INSERT OR UPDATE ON "VisitorSession"
FOR EACH ROW EXECUTE FUNCTION storelens_session_changed();

CREATE FUNCTION storelens_order_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' AND NEW."sessionId" IS NOT NULL THEN
    PERFORM storelens_mark_session_day(NEW."shopId", NEW."sessionId");
  END IF;
  IF TG_OP <> 'INSERT' AND OLD."sessionId" IS NOT NULL THEN
    PERFORM storelens_mark_session_day(OLD."shopId", OLD."sessionId");
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Order_rollup"
AFTER INSERT OR UPDATE OR DELETE ON "Order"
FOR EACH ROW EXECUTE FUNCTION storelens_order_changed();

CREATE FUNCTION storelens_refund_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed RECORD;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  PERFORM storelens_mark_session_day(o."shopId", o."sessionId")
  FROM "Order" o
  WHERE o."shopId" = changed."shopId" AND o.id = changed."orderId"
    AND o."sessionId" IS NOT NULL;
  RETURN NULL;
END $$;

CREATE TRIGGER "OrderRefund_rollup"
AFTER INSERT OR UPDATE OR DELETE ON "OrderRefund"
FOR EACH ROW EXECUTE FUNCTION storelens_refund_changed();
