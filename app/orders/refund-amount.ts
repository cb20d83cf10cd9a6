import {
  InvalidMoneyError,
  parseMoney,
  subtractMoney,
  sumMoney,
  type Money,
} from "./money";

// How much money one refund returned, in shop money.
//
// The Admin GraphQL API has it ready: `Refund.totalRefundedSet.shopMoney`,
// "the total amount across all transactions for the refund". Webhook
// payloads (REST shape) carry no total, so it is rebuilt to match:
//
// 1. When every successful refund transaction is in the shop's currency (the
//    order was paid in it), their sum is exactly that total. A refund without
//    a successful transaction (restock only, or still pending) returned
//    nothing, so it counts as zero until a later orders/updated delivery
//    reports the transaction as successful.
// 2. Transactions are in the buyer's presentment currency and have no shop
//    money amount, and converting them at a guessed rate would be wrong.
//    When the presentment currency differs, the refund's parts are added up
//    in their `shop_money` amounts instead: refunded line items with their
//    tax, refunded shipping lines with their tax, duties and additional
//    fees, minus order adjustments. Shopify records any difference between
//    the money returned and those parts as a `refund_discrepancy`
//    adjustment. It is negative when more was returned (a refund of 5.85
//    with no line items carries -5.85) and positive when less was, so
//    subtracting it gives the money returned.
//
// Before API version 2024-10, refunded shipping was an order adjustment of
// kind `shipping_refund` with a negative amount, so subtracting it adds the
// shipping back. Such an adjustment is skipped when `refund_shipping_lines`
// is present, so that shipping is never counted twice.

export interface ShopMoneyBag {
  shop_money: Money;
}

export interface RestRefundTransaction {
  kind?: string | null;
  status?: string | null;
  amount?: unknown;
  currency?: unknown;
  test?: boolean | null;
}

export interface RestRefundParts {
  refund_line_items?:
    | { subtotal_set: ShopMoneyBag; total_tax_set?: ShopMoneyBag | null }[]
    | null;
  refund_shipping_lines?:
    | {
        subtotal_amount_set: ShopMoneyBag;
        tax_amount_set?: ShopMoneyBag | null;
      }[]
    | null;
  order_adjustments?:
    | {
        kind?: string | null;
        amount_set: ShopMoneyBag;
        tax_amount_set?: ShopMoneyBag | null;
      }[]
    | null;
  total_duties_set?: ShopMoneyBag | null;
  total_additional_fees_set?: ShopMoneyBag | null;
  transactions?: RestRefundTransaction[] | null;
}

function isSuccessfulRefund(transaction: RestRefundTransaction): boolean {
  return (
    transaction.kind?.toLowerCase() === "refund" &&
    transaction.status?.toLowerCase() === "success"
  );
}

/** Joins a field path for error messages. `path` is empty at the top. */
export function fieldPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * Returns the money a REST-shaped refund returned, in `shopCurrency`.
 * Throws `InvalidMoneyError` naming the field (below `path`) when an amount
 * or currency is missing or invalid, when a shop money amount is in another
 * currency, or when the result is negative.
 */
export function refundAmountInShopMoney(
  refund: RestRefundParts,
  shopCurrency: string,
  path: string,
): Money {
  const transactions = (refund.transactions ?? [])
    .map((transaction, index) => ({ transaction, index }))
    .filter(({ transaction }) => isSuccessfulRefund(transaction));
  const parsed = transactions.map(({ transaction, index }) =>
    parseMoney(
      transaction.amount,
      transaction.currency,
      fieldPath(path, `transactions[${index}]`),
    ),
  );

  const total = parsed.every((money) => money.currency === shopCurrency)
    ? sumMoney(parsed, shopCurrency)
    : sumOfParts(refund, shopCurrency, path);
  if (total.amount.isNegative() && !total.amount.isZero()) {
    throw new InvalidMoneyError(
      path || "refund",
      `adds up to a negative refund (${total.amount.toString()} ${shopCurrency})`,
    );
  }
  return total;
}

function sumOfParts(
  refund: RestRefundParts,
  shopCurrency: string,
  path: string,
): Money {
  const inShopCurrency = (
    bag: ShopMoneyBag | null | undefined,
    key: string,
  ): Money[] => {
    if (!bag) return [];
    if (bag.shop_money.currency !== shopCurrency) {
      throw new InvalidMoneyError(
        fieldPath(path, `${key}.shop_money`),
        `is in ${bag.shop_money.currency}, but the shop's currency is ${shopCurrency}`,
      );
    }
    return [bag.shop_money];
  };

  const shippingLines = refund.refund_shipping_lines ?? [];
  const returned: Money[] = [];
  (refund.refund_line_items ?? []).forEach((item, index) => {
    const key = `refund_line_items[${index}]`;
    returned.push(...inShopCurrency(item.subtotal_set, `${key}.subtotal_set`));
    returned.push(
      ...inShopCurrency(item.total_tax_set, `${key}.total_tax_set`),
    );
  });
  shippingLines.forEach((line, index) => {
    const key = `refund_shipping_lines[${index}]`;
    returned.push(
      ...inShopCurrency(line.subtotal_amount_set, `${key}.subtotal_amount_set`),
    );
    returned.push(
      ...inShopCurrency(line.tax_amount_set, `${key}.tax_amount_set`),
    );
  });
  returned.push(...inShopCurrency(refund.total_duties_set, "total_duties_set"));
  returned.push(
    ...inShopCurrency(
      refund.total_additional_fees_set,
      "total_additional_fees_set",
    ),
  );

  const adjusted: Money[] = [];
  (refund.order_adjustments ?? []).forEach((adjustment, index) => {
    const isShipping = adjustment.kind?.toLowerCase() === "shipping_refund";
    if (isShipping && shippingLines.length > 0) return;
    const key = `order_adjustments[${index}]`;
    adjusted.push(
      ...inShopCurrency(adjustment.amount_set, `${key}.amount_set`),
    );
    adjusted.push(
      ...inShopCurrency(adjustment.tax_amount_set, `${key}.tax_amount_set`),
    );
  });

  return subtractMoney(
    sumMoney(returned, shopCurrency),
    sumMoney(adjusted, shopCurrency),
  );
}
