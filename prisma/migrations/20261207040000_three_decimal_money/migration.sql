-- Amounts keep three decimals, so shops in the Kuwaiti dinar and the other
-- three-decimal currencies store their last digit. numeric(18, 2) to
-- numeric(19, 3) keeps the same sixteen integer digits, so every stored
-- value converts exactly (12.35 becomes 12.350).
--
-- PostgreSQL cannot change the type of a column that a view reads, so the
-- "OrderNet" view is dropped and created again around the change.
DROP VIEW "OrderNet";

ALTER TABLE "Order" ALTER COLUMN "totalPrice" TYPE DECIMAL(19,3);
ALTER TABLE "OrderRefund" ALTER COLUMN "amount" TYPE DECIMAL(19,3);
ALTER TABLE "DailyRevenueStat" ALTER COLUMN "netRevenue" TYPE DECIMAL(19,3);

-- Net revenue per order in shop money; rows that do not count are zero.
-- Refunds beyond the order's total are capped at that total. An order
-- counts once its payment was authorized or captured: pending orders (not
-- paid yet) start counting when a later delivery stores a paid status, and
-- expired and voided ones never count. app/orders/revenue.ts states the
-- same rule and keeps the status list; net-revenue.test.ts checks that both
-- agree. An order without a status counts, as before.
CREATE VIEW "OrderNet" AS
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
         AND (o."financialStatus" IS NULL
              OR lower(btrim(o."financialStatus")) IN ('authorized', 'paid',
                   'partially_paid', 'partially_refunded', 'refunded'))
         AND o.currency = s.currency AS counted
) c
LEFT JOIN (
  SELECT "shopId", "orderId", sum(amount) AS refunded
  FROM "OrderRefund"
  WHERE NOT test
  GROUP BY "shopId", "orderId"
) r ON r."shopId" = o."shopId" AND r."orderId" = o.id;
