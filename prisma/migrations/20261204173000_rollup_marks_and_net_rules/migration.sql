-- A day mark written by a transaction still open while the rollup refresh
-- runs must survive that refresh. Updating an existing mark locks its row,
-- and the refresh skips locked marks, so the day is rebuilt again once the
-- writer commits.
CREATE OR REPLACE FUNCTION storelens_mark_day(shop_id TEXT, local_day DATE)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO "RevenueRollupDay" ("shopId", day)
  VALUES (shop_id, local_day)
  ON CONFLICT ("shopId", day) DO UPDATE SET "markedAt" = now();
$$;

CREATE OR REPLACE FUNCTION storelens_mark_session_day(shop_id TEXT, session_id UUID)
RETURNS void LANGUAGE sql AS $$
  SELECT storelens_mark_day(v."shopId",
           (v."startedAt" AT TIME ZONE 'UTC' AT TIME ZONE s.timezone)::date)
  FROM "VisitorSession" v JOIN "Shop" s ON s.id = v."shopId"
  WHERE v."shopId" = shop_id AND v.id = session_id;
$$;

-- Sessions: inserts, updates (a later batch may move the start or flag a
-- bot) and deletes (privacy redaction) all change a day's figures.
CREATE OR REPLACE FUNCTION storelens_session_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    PERFORM storelens_mark_day(NEW."shopId",
      (NEW."startedAt" AT TIME ZONE 'UTC' AT TIME ZONE s.timezone)::date)
    FROM "Shop" s WHERE s.id = NEW."shopId";
  END IF;
  IF TG_OP = 'DELETE'
     OR (TG_OP = 'UPDATE' AND OLD."startedAt" <> NEW."startedAt") THEN
    PERFORM storelens_mark_day(OLD."shopId",
      (OLD."startedAt" AT TIME ZONE 'UTC' AT TIME ZONE s.timezone)::date)
    FROM "Shop" s WHERE s.id = OLD."shopId";
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER "VisitorSession_rollup" ON "VisitorSession";
CREATE TRIGGER "VisitorSession_rollup"
AFTER INSERT OR UPDATE OR DELETE ON "VisitorSession"
FOR EACH ROW EXECUTE FUNCTION storelens_session_changed();

-- Net revenue counts orders in the shop's own currency only: an order in
-- another currency (a shop that changed its currency) cannot be added to
-- shop money. Refunds beyond the order's total are capped at that total.
CREATE OR REPLACE VIEW "OrderNet" AS
SELECT o."shopId",
       o.id AS "orderId",
       o."sessionId",
       o."processedAt",
       o.currency,
       c.counted,
       CASE WHEN c.counted THEN o."totalPrice" ELSE 0 END AS gross,
       CASE WHEN c.counted THEN LEAST(COALESCE(r.refunded, 0), o."totalPrice")
            ELSE 0 END AS refunds,
       CASE WHEN c.counted
            THEN GREATEST(o."totalPrice" - COALESCE(r.refunded, 0), 0)
            ELSE 0 END AS net
FROM "Order" o
JOIN "Shop" s ON s.id = o."shopId"
CROSS JOIN LATERAL (
  SELECT o."cancelledAt" IS NULL
         AND NOT o.test
         AND lower(COALESCE(o."financialStatus", '')) <> 'voided'
         AND o.currency = s.currency AS counted
) c
LEFT JOIN (
  SELECT "shopId", "orderId", sum(amount) AS refunded
  FROM "OrderRefund"
  WHERE NOT test
  GROUP BY "shopId", "orderId"
) r ON r."shopId" = o."shopId" AND r."orderId" = o.id;
