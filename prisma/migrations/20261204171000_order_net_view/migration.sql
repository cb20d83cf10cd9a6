-- Net revenue per order in shop money: the total minus refunds, and zero
-- for orders that count for nothing (cancelled, voided, test). Reports join
-- it with visitor sessions through "sessionId"; orders without one are the
-- unattributed revenue.
CREATE VIEW "OrderNet" AS
SELECT o."shopId",
       o.id AS "orderId",
       o."sessionId",
       o."processedAt",
       o.currency,
       (o."cancelledAt" IS NULL
          AND NOT o.test
          AND COALESCE(o."financialStatus", '') NOT IN ('voided', 'VOIDED'))
         AS counted,
       CASE WHEN o."cancelledAt" IS NULL
                 AND NOT o.test
                 AND COALESCE(o."financialStatus", '') NOT IN ('voided', 'VOIDED')
            THEN o."totalPrice" ELSE 0 END AS gross,
       CASE WHEN o."cancelledAt" IS NULL
                 AND NOT o.test
                 AND COALESCE(o."financialStatus", '') NOT IN ('voided', 'VOIDED')
            THEN COALESCE(r.refunded, 0) ELSE 0 END AS refunds,
       CASE WHEN o."cancelledAt" IS NULL
                 AND NOT o.test
                 AND COALESCE(o."financialStatus", '') NOT IN ('voided', 'VOIDED')
            THEN o."totalPrice" - COALESCE(r.refunded, 0) ELSE 0 END AS net
FROM "Order" o
LEFT JOIN (
  SELECT "shopId", "orderId", sum(amount) AS refunded
  FROM "OrderRefund"
  WHERE NOT test
  GROUP BY "shopId", "orderId"
) r ON r."shopId" = o."shopId" AND r."orderId" = o.id;
