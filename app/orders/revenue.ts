import Decimal from "decimal.js";

// Net revenue of a set of orders, the numerator of Revenue Per Session.
// net-revenue.server.ts computes the same per order in SQL, and a test keeps
// the two in agreement.
//
// Rules:
// - A cancelled order, a voided one (authorised, then released unpaid) and
//   a test order count for nothing: no revenue, no refunds, not an order.
// - Every other order counts with its total in shop money, whatever its
//   payment state, the way Shopify's gross sales do.
// - Refunds are subtracted from the order they belong to; test refunds and
//   refunds of orders that count for nothing are ignored. Refunds of orders
//   missing from `orders` are ignored too, since reports attribute refunds
//   to the order's visit, not to the refund's date.

export const VOIDED_STATUS = "voided";

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

/** Returns whether an order counts towards revenue. */
export function countsAsRevenue(order: RevenueOrder): boolean {
  return (
    !order.test &&
    order.cancelledAt === null &&
    order.financialStatus?.toLowerCase() !== VOIDED_STATUS
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
