import { fixtureOrder } from "../../test/support/admin-api-stand-in";
import { orderFromGraphql } from "./graphql-order";
import { InvalidOrderPayloadError } from "./order-input";
import { orderFromWebhook } from "./webhook-payload";
import { restOrder } from "./test-fixtures";

const START = new Date("2026-11-02T09:00:00Z");
const SESSION = "0b7f3c7e-5d1a-4c2b-9e8f-1a2b3c4d5e6f";

describe("orderFromGraphql", () => {
  it("gives the same order as the webhook payload", () => {
    const node = fixtureOrder(1, START, {
      processedAt: "2026-11-02T09:00:00Z",
      updatedAt: "2026-11-02T09:00:05Z",
      customAttributes: [{ key: "_storelens_session", value: SESSION }],
    });
    const fromGraphql = orderFromGraphql(node);
    const fromWebhook = orderFromWebhook(
      restOrder(1, {
        note_attributes: [{ name: "_storelens_session", value: SESSION }],
      }),
      "orders/paid",
    );
    expect(fromGraphql).toEqual({
      ...fromWebhook,
      checkoutToken: null,
      customerId: null,
    });
  });

  it("reads refunds in shop money", () => {
    const node = fixtureOrder(2, START, {
      displayFinancialStatus: "PARTIALLY_REFUNDED",
      refunds: [
        {
          id: "gid://shopify/Refund/77",
          createdAt: "2026-11-05T10:00:00Z",
          totalRefundedSet: {
            shopMoney: { amount: "7.50", currencyCode: "EUR" },
          },
        },
      ],
    });
    const order = orderFromGraphql(node);
    expect(order.financialStatus).toBe("partially_refunded");
    expect(order.refunds).toHaveLength(1);
    expect(order.refunds[0].id).toBe("77");
    expect(order.refunds[0].orderId).toBe("5000000000002");
    expect(order.refunds[0].amount.amount.toFixed(2)).toBe("7.50");
  });

  it("lists every invalid field", () => {
    const node = fixtureOrder(3, START, {
      id: "#1003",
      totalPriceSet: { shopMoney: { amount: "-1.00", currencyCode: "EUR" } },
      refunds: [
        {
          id: "gid://shopify/Refund/78",
          createdAt: "2026-11-05T10:00:00Z",
          totalRefundedSet: {
            shopMoney: { amount: "1.00", currencyCode: "USD" },
          },
        },
      ],
    });
    try {
      orderFromGraphql(node);
      throw new Error("expected InvalidOrderPayloadError");
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOrderPayloadError);
      expect((error as InvalidOrderPayloadError).problems).toEqual([
        'id: Invalid Order id "#1003": not a Shopify id. Expected a positive integer, its decimal string or gid://shopify/Order/<number>.',
        "totalPriceSet.shopMoney is negative (-1 EUR): amounts must be zero or more",
      ]);
    }
  });

  it("rejects a refund in another currency than its order", () => {
    const node = fixtureOrder(4, START, {
      refunds: [
        {
          id: "gid://shopify/Refund/79",
          createdAt: "2026-11-05T10:00:00Z",
          totalRefundedSet: {
            shopMoney: { amount: "1.00", currencyCode: "USD" },
          },
        },
      ],
    });
    expect(() => orderFromGraphql(node)).toThrow(
      "refunds[0].totalRefundedSet.shopMoney is in USD, but the order is in EUR",
    );
  });
});
