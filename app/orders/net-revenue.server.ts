import Decimal from "decimal.js";
import type pg from "pg";

// Net revenue per order in SQL, with the rules of revenue.ts: cancelled,
// voided and test orders are worth zero and do not count, test refunds are
// ignored, and net is the total minus the order's other refunds. The rules
// live in the "OrderNet" view (prisma/migrations/*_order_net_view), which
// the reports join too; net-revenue.test.ts checks it against revenue.ts.

/**
 * One row per order of every shop, to be filtered by the caller and joined
 * with visits on ("shopId", "sessionId"), e.g.
 * `FROM (${ORDER_NET_REVENUE_SQL}) AS n WHERE n."shopId" = $1`.
 * Columns: "shopId", "orderId", "sessionId", "processedAt", currency,
 * counted (boolean), gross, refunds, net (numeric).
 */
export const ORDER_NET_REVENUE_SQL = `
  SELECT "shopId", "orderId", "sessionId", "processedAt", currency, counted,
         gross, refunds, net
  FROM "OrderNet"`;

export interface OrderNetRevenueRow {
  orderId: string;
  sessionId: string | null;
  processedAt: Date;
  currency: string;
  counted: boolean;
  gross: Decimal;
  refunds: Decimal;
  net: Decimal;
}

export interface NetRevenueRange {
  /** Inclusive lower bound on `processedAt`. */
  from: Date;
  /** Exclusive upper bound on `processedAt`. */
  to: Date;
}

/** Net revenue of each order of a shop processed in `range`. */
export async function orderNetRevenue(
  pool: pg.Pool,
  shopId: string,
  range: NetRevenueRange,
): Promise<OrderNetRevenueRow[]> {
  const result = await pool.query<{
    orderId: string;
    sessionId: string | null;
    processedAt: Date;
    currency: string;
    counted: boolean;
    gross: string;
    refunds: string;
    net: string;
  }>(
    `SELECT n."orderId", n."sessionId",
            n."processedAt" AT TIME ZONE 'UTC' AS "processedAt",
            n.currency, n.counted, n.gross, n.refunds, n.net
     FROM (${ORDER_NET_REVENUE_SQL}) AS n
     WHERE n."shopId" = $1
       AND n."processedAt" >= $2::timestamptz
       AND n."processedAt" < $3::timestamptz
     ORDER BY n."processedAt", n."orderId"`,
    [shopId, range.from, range.to],
  );
  return result.rows.map((row) => ({
    ...row,
    gross: new Decimal(row.gross),
    refunds: new Decimal(row.refunds),
    net: new Decimal(row.net),
  }));
}

export interface NetRevenueTotalsRow {
  currency: string | null;
  gross: Decimal;
  refunds: Decimal;
  net: Decimal;
  orders: number;
}

/** Totals over the orders of a shop processed in `range`, summed in SQL. */
export async function netRevenueTotals(
  pool: pg.Pool,
  shopId: string,
  range: NetRevenueRange,
): Promise<NetRevenueTotalsRow> {
  const result = await pool.query<{
    currency: string | null;
    gross: string;
    refunds: string;
    net: string;
    orders: number;
  }>(
    `SELECT max(n.currency) FILTER (WHERE n.counted) AS currency,
            COALESCE(sum(n.gross), 0) AS gross,
            COALESCE(sum(n.refunds), 0) AS refunds,
            COALESCE(sum(n.net), 0) AS net,
            (count(*) FILTER (WHERE n.counted))::int AS orders
     FROM (${ORDER_NET_REVENUE_SQL}) AS n
     WHERE n."shopId" = $1
       AND n."processedAt" >= $2::timestamptz
       AND n."processedAt" < $3::timestamptz`,
    [shopId, range.from, range.to],
  );
  const row = result.rows[0];
  return {
    currency: row.currency,
    gross: new Decimal(row.gross),
    refunds: new Decimal(row.refunds),
    net: new Decimal(row.net),
    orders: row.orders,
  };
}
