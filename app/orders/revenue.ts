import Decimal from "decimal.js";

// Net revenue of a set of orders, the numerator of Revenue Per Session.
// net-revenue.server.ts computes the same per order in SQL, and a test keeps
// the two in agreement.
//
// Rules:
// - A cancelled order and a test order count for nothing: no revenue, no
//   refunds, not an order.
// - Otherwise the financial status decides, with the meanings Shopify's
//   Admin API gives OrderDisplayFinancialStatus (and REST financial_status):
//   - authorized, paid, partially_paid: the buyer's payment was validated
//     or captured, so the whole total counts.
//   - partially_refunded, refunded: the order was paid, so it counts, and
//     its refunds are subtracted (a full refund nets to zero but the order
//     still converted its visit).
//   - pending (bank transfer, cash on delivery, a slow payment provider):
//     no money yet, so it does not count until a later orders/updated or
//     orders/paid delivery, or a new import, stores a counting status.
//     Revenue is recomputed from the stored status, so the order then
//     counts once, on its own processing day and visit.
//   - expired (payment never captured) and voided (authorised, then
//     released unpaid): never count.
//   - Any other status, including one Shopify adds later, does not count
//     until it is added here. An order stored without a status counts, as
//     it did before statuses were checked.
// - Refunds are subtracted from the order they belong to; test refunds and
//   refunds of orders that count for nothing are ignored. Refunds of orders
//   missing from `orders` are ignored too, since reports attribute refunds
//   to the order's visit, not to the refund's date.
//
// The "OrderNet" view applies the same status list in SQL (see the newest
// migration that creates it).

/** Lower-case financial statuses whose orders count as revenue. */
export const REVENUE_STATUSES: ReadonlySet<string> = new Set([
  "authorized",
  "paid",
  "partially_paid",
  "partially_refunded",
  "refunded",
]);

export interface RevenueOrder {
  id: string;
  totalPrice: Decimal.Value;
  currency: string;
  cancelledAt: Date | null;
  test: boolean;
  financialStatus: string | null;
}

export interface RevenueRefund {
  orderId: string;
  amount: Decimal.Value;
  test: boolean;
}

export interface RevenueTotals {
  /** Shop currency, or null when no order counts. */
  currency: string | null;
  gross: Decimal;
  refunds: Decimal;
  /** `gross - refunds`, negative when more was refunded than sold. */
  net: Decimal;
  /** Orders that count. */
  orders: number;
}

/** Returns whether a financial status lets an order count as revenue. */
export function statusCountsAsRevenue(status: string | null): boolean {
  return status === null || REVENUE_STATUSES.has(status.trim().toLowerCase());
}

/** Returns whether an order counts towards revenue. */
export function countsAsRevenue(order: RevenueOrder): boolean {
  return (
    !order.test &&
    order.cancelledAt === null &&
    statusCountsAsRevenue(order.financialStatus)
  );
}

/**
 * Sums gross, refunds and net revenue of `orders`, counting a repeated
 * order id once. Throws when the orders
 * that count are in more than one currency, since amounts in different
 * currencies cannot be added.
 */
export function netRevenue(
  orders: RevenueOrder[],
  refunds: RevenueRefund[],
): RevenueTotals {
  const counted = new Map<string, RevenueOrder>();
  let currency: string | null = null;
  let gross = new Decimal(0);
  for (const order of orders) {
    if (!countsAsRevenue(order) || counted.has(order.id)) continue;
    if (currency !== null && order.currency !== currency) {
      throw new Error(
        `Order ${order.id} is in ${order.currency}, but earlier orders are in ${currency}: revenue is summed in the shop's currency only`,
      );
    }
    currency = order.currency;
    counted.set(order.id, order);
    gross = gross.plus(order.totalPrice);
  }

  let refunded = new Decimal(0);
  for (const refund of refunds) {
    if (refund.test || !counted.has(refund.orderId)) continue;
    refunded = refunded.plus(refund.amount);
  }

  return {
    currency,
    gross,
    refunds: refunded,
    net: gross.minus(refunded),
    orders: counted.size,
  };
}
