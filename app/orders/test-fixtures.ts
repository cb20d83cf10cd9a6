// Webhook payloads in the REST shape of API version 2025-10, for tests.
// Field names and nesting follow Shopify's orders/* and refunds/create
// payloads. Only fields that the app reads or that show the shape are set.

export const FIXTURE_ORDER_BASE = 5_000_000_000_000;
const FIXTURE_REFUND_BASE = 900_000_000_000;

export function moneyBag(amount: string, currency = "EUR") {
  return {
    shop_money: { amount, currency_code: currency },
    presentment_money: { amount, currency_code: currency },
  };
}

export interface FixtureRefundOptions {
  number: number;
  orderNumber: number;
  amount: string;
  currency?: string;
  createdAt?: string;
  test?: boolean;
}

/** Builds a refund of line items, paid back in the shop's currency. */
export function restRefund(options: FixtureRefundOptions) {
  const id = FIXTURE_REFUND_BASE + options.number;
  const currency = options.currency ?? "EUR";
  const createdAt = options.createdAt ?? "2026-11-05T10:00:00Z";
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Refund/${id}`,
    order_id: FIXTURE_ORDER_BASE + options.orderNumber,
    created_at: createdAt,
    processed_at: createdAt,
    note: null,
    restock: false,
    refund_line_items: [
      {
        id: id + 1,
        quantity: 1,
        subtotal: Number(options.amount),
        total_tax: 0,
        subtotal_set: moneyBag(options.amount, currency),
        total_tax_set: moneyBag("0.00", currency),
      },
    ],
    refund_shipping_lines: [],
    order_adjustments: [],
    total_duties_set: moneyBag("0.00", currency),
    total_additional_fees_set: moneyBag("0.00", currency),
    transactions: [
      {
        id: id + 2,
        order_id: FIXTURE_ORDER_BASE + options.orderNumber,
        kind: "refund",
        gateway: "bogus",
        status: "success",
        amount: options.amount,
        currency,
        test: options.test ?? false,
        created_at: createdAt,
      },
    ],
  };
}

export type FixtureRefund = ReturnType<typeof restRefund>;

/** Builds an order of 20.00 EUR paid on 2026-11-02, as orders/paid sends it. */
export function restOrder(
  number: number,
  overrides: Record<string, unknown> = {},
) {
  const id = FIXTURE_ORDER_BASE + number;
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${1000 + number}`,
    order_number: 1000 + number,
    created_at: "2026-11-02T10:00:00+01:00",
    processed_at: "2026-11-02T10:00:00+01:00",
    updated_at: "2026-11-02T10:00:05+01:00",
    cancelled_at: null,
    cancel_reason: null,
    test: false,
    financial_status: "paid",
    currency: "EUR",
    presentment_currency: "EUR",
    total_price: "20.00",
    total_price_set: moneyBag("20.00"),
    note_attributes: [] as { name: string; value: string }[],
    checkout_token: `checkout-${number}`,
    customer: {
      id: 7000 + number,
      admin_graphql_api_id: `gid://shopify/Customer/${7000 + number}`,
    },
    refunds: [] as FixtureRefund[],
    ...overrides,
  };
}
