import { InvalidOrderPayloadError } from "./order-input";
import { moneyBag, restOrder, restRefund } from "./test-fixtures";
import { orderFromWebhook, refundFromWebhook } from "./webhook-payload";

const SESSION = "6f1c1a52-3a7e-4f43-9d3b-0f0b8c1d2e3f";

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidOrderPayloadError) return error.problems;
    throw error;
  }
  throw new Error("expected InvalidOrderPayloadError");
}

describe("orderFromWebhook", () => {
  it("reads the order in shop money", () => {
    const payload = restOrder(1, {
      note_attributes: [{ name: "_storelens_session", value: SESSION }],
      total_price_set: {
        shop_money: { amount: "20.00", currency_code: "EUR" },
        presentment_money: { amount: "21.60", currency_code: "USD" },
      },
    });
    const order = orderFromWebhook(payload, "orders/paid");
    expect(order.id).toBe("5000000000001");
    expect(order.name).toBe("#1001");
    expect(order.totalPrice.amount.toFixed(2)).toBe("20.00");
    expect(order.totalPrice.currency).toBe("EUR");
    expect(order.processedAt.toISOString()).toBe("2026-11-02T09:00:00.000Z");
    expect(order.updatedAt.toISOString()).toBe("2026-11-02T09:00:05.000Z");
    expect(order.sessionId).toBe(SESSION);
    expect(order.checkoutToken).toBe("checkout-1");
    expect(order.customerId).toBe("7001");
    expect(order.financialStatus).toBe("paid");
    expect(order.test).toBe(false);
  });

  it("takes the id from a plain id when no global id is sent", () => {
    const payload = restOrder(2, { admin_graphql_api_id: undefined });
    expect(orderFromWebhook(payload, "orders/paid").id).toBe("5000000000002");
  });

  it("never takes the order name as its id", () => {
    const payload = restOrder(3, {
      id: "#1003",
      admin_graphql_api_id: undefined,
    });
    expect(problemsOf(() => orderFromWebhook(payload, "orders/paid"))).toEqual([
      'id: Invalid Order id "#1003": not a Shopify id. Expected a positive integer, its decimal string or gid://shopify/Order/<number>.',
    ]);
  });

  it("ignores a session attribute that is not a UUID", () => {
    const payload = restOrder(4, {
      note_attributes: [{ name: "_storelens_session", value: "x' OR 1=1" }],
    });
    expect(orderFromWebhook(payload, "orders/paid").sessionId).toBeNull();
  });

  it("rejects a missing currency with the field", () => {
    const payload = restOrder(5, {
      total_price_set: { shop_money: { amount: "20.00" } },
    });
    expect(problemsOf(() => orderFromWebhook(payload, "orders/paid"))).toEqual([
      "total_price_set.shop_money has no currency code: expected the shop's ISO 4217 code, e.g. USD",
    ]);
  });

  it("rejects a negative total with the field", () => {
    const payload = restOrder(6, { total_price_set: moneyBag("-20.00") });
    expect(() => orderFromWebhook(payload, "orders/paid")).toThrow(
      "orders/paid payload is invalid: total_price_set.shop_money is negative (-20 EUR): amounts must be zero or more",
    );
  });

  it("lists every missing field at once", () => {
    const problems = problemsOf(() =>
      orderFromWebhook({ id: 1 }, "orders/updated"),
    );
    expect(problems).toEqual([
      "updated_at is missing",
      "total_price_set is missing",
    ]);
  });

  it("rejects a refund that belongs to another order", () => {
    const refund = restRefund({ number: 1, orderNumber: 99, amount: "5.00" });
    const payload = restOrder(7, { refunds: [refund] });
    expect(problemsOf(() => orderFromWebhook(payload, "orders/paid"))).toEqual([
      "refunds[0].order_id does not match the order's id",
    ]);
  });

  it("reads GraphQL-style financial statuses in lower case", () => {
    const payload = restOrder(8, { financial_status: "PARTIALLY_REFUNDED" });
    expect(orderFromWebhook(payload, "orders/updated").financialStatus).toBe(
      "partially_refunded",
    );
  });
});

describe("refund amounts", () => {
  it("sums successful refund transactions in the shop's currency", () => {
    const refund = restRefund({ number: 1, orderNumber: 1, amount: "20.00" });
    refund.transactions.push({
      ...refund.transactions[0],
      id: 1,
      status: "failure",
      amount: "20.00",
    });
    const { refund: input } = refundFromWebhook(refund, "EUR");
    expect(input.amount.amount.toFixed(2)).toBe("20.00");
    expect(input.orderId).toBe("5000000000001");
    expect(input.id).toBe("900000000001");
  });

  it("counts a pending refund as zero", () => {
    const refund = restRefund({ number: 2, orderNumber: 1, amount: "20.00" });
    refund.transactions[0].status = "pending";
    const { refund: input } = refundFromWebhook(refund, "EUR");
    expect(input.amount.amount.toFixed(2)).toBe("0.00");
  });

  it("adds shop money parts when the buyer paid in another currency", () => {
    const refund = {
      ...restRefund({ number: 3, orderNumber: 1, amount: "10.00" }),
      refund_line_items: [
        {
          subtotal_set: {
            shop_money: { amount: "10.99", currency_code: "CAD" },
            presentment_money: { amount: "8.95", currency_code: "USD" },
          },
          total_tax_set: {
            shop_money: { amount: "1.67", currency_code: "CAD" },
            presentment_money: { amount: "1.32", currency_code: "USD" },
          },
        },
      ],
      refund_shipping_lines: [
        {
          subtotal_amount_set: {
            shop_money: { amount: "5.00", currency_code: "CAD" },
            presentment_money: { amount: "3.65", currency_code: "USD" },
          },
        },
      ],
      // Less was returned than the parts: a positive discrepancy.
      order_adjustments: [
        {
          kind: "refund_discrepancy",
          amount_set: {
            shop_money: { amount: "2.66", currency_code: "CAD" },
            presentment_money: { amount: "1.95", currency_code: "USD" },
          },
          tax_amount_set: {
            shop_money: { amount: "0.00", currency_code: "CAD" },
            presentment_money: { amount: "0.00", currency_code: "USD" },
          },
        },
      ],
      total_duties_set: moneyBag("0.00", "CAD"),
      total_additional_fees_set: moneyBag("0.00", "CAD"),
      transactions: [
        {
          kind: "refund",
          status: "success",
          amount: "11.97",
          currency: "USD",
          test: false,
        },
      ],
    };
    const { refund: input } = refundFromWebhook(refund, "CAD");
    // 10.99 + 1.67 + 5.00 - 2.66
    expect(input.amount.amount.toFixed(2)).toBe("15.00");
    expect(input.amount.currency).toBe("CAD");
  });

  it("adds an amount-only refund through a negative discrepancy", () => {
    const refund = {
      ...restRefund({ number: 4, orderNumber: 1, amount: "5.85" }),
      refund_line_items: [],
      order_adjustments: [
        {
          kind: "refund_discrepancy",
          amount_set: {
            shop_money: { amount: "-5.85", currency_code: "ILS" },
            presentment_money: { amount: "-5.85", currency_code: "EUR" },
          },
        },
      ],
      total_duties_set: moneyBag("0.00", "ILS"),
      total_additional_fees_set: moneyBag("0.00", "ILS"),
    };
    refund.transactions[0].currency = "EUR";
    const { refund: input } = refundFromWebhook(refund, "ILS");
    expect(input.amount.amount.toFixed(2)).toBe("5.85");
  });

  it("counts a legacy shipping adjustment as refunded shipping", () => {
    const refund = {
      ...restRefund({ number: 5, orderNumber: 1, amount: "20.00" }),
      order_adjustments: [
        {
          kind: "shipping_refund",
          amount_set: moneyBag("-8.00", "CAD"),
          tax_amount_set: moneyBag("0.00", "CAD"),
        },
      ],
      refund_line_items: [
        {
          subtotal_set: moneyBag("20.00", "CAD"),
          total_tax_set: moneyBag("0.00", "CAD"),
        },
      ],
      total_duties_set: null,
      total_additional_fees_set: null,
    };
    refund.transactions[0].currency = "USD";
    const { refund: input } = refundFromWebhook(refund, "CAD");
    expect(input.amount.amount.toFixed(2)).toBe("28.00");
  });

  it("rejects a part in a currency other than the shop's", () => {
    const refund = restRefund({ number: 6, orderNumber: 1, amount: "5.00" });
    refund.transactions[0].currency = "USD";
    expect(() => refundFromWebhook(refund, "CAD")).toThrow(
      "refund_line_items[0].subtotal_set.shop_money is in EUR, but the shop's currency is CAD",
    );
  });

  it("rejects a successful transaction without a currency", () => {
    const refund = restRefund({ number: 7, orderNumber: 1, amount: "5.00" });
    (refund.transactions[0] as { currency?: string }).currency = undefined;
    expect(() => refundFromWebhook(refund, "EUR")).toThrow(
      "refunds/create payload is invalid: transactions[0] has no currency code",
    );
  });

  it("rejects a negative refund transaction", () => {
    const refund = restRefund({ number: 8, orderNumber: 1, amount: "5.00" });
    refund.transactions[0].amount = "-5.00";
    expect(() => refundFromWebhook(refund, "EUR")).toThrow(
      "transactions[0] is negative (-5 EUR)",
    );
  });

  it("reports test transactions", () => {
    const refund = restRefund({
      number: 9,
      orderNumber: 1,
      amount: "5.00",
      test: true,
    });
    expect(refundFromWebhook(refund, "EUR").testTransactions).toBe(true);
  });
});
