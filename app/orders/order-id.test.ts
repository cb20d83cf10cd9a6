import {
  InvalidShopifyIdError,
  normaliseCustomerId,
  normaliseOrderId,
  normaliseRefundId,
  parseShopifyId,
} from "./order-id";

describe("normaliseOrderId", () => {
  it.each([
    ["gid://shopify/Order/123", "123"],
    ["123", "123"],
    [123, "123"],
    [123n, "123"],
    ["gid://shopify/Order/5678901234567", "5678901234567"],
  ])("turns %o into %s", (value, expected) => {
    expect(normaliseOrderId(value)).toBe(expected);
  });

  it.each([
    ["#1001", "not a Shopify id"],
    ["", "empty"],
    [" 123", "not a Shopify id"],
    ["0123", "not a Shopify id"],
    ["12.5", "not a Shopify id"],
    [-5, "not positive"],
    [0, "not positive"],
    [12.5, "not a whole number"],
    [Number.MAX_SAFE_INTEGER + 2, "too large to be exact"],
    [Number.NaN, "not a whole number"],
    [null, "not a string or number"],
    [undefined, "not a string or number"],
    [{ id: 1 }, "not a string or number"],
    ["gid://shopify/Refund/123", "its resource type is Refund"],
    ["gid://shopify/Order/abc", "not a Shopify id"],
    ["gid://shopify/Order/123?x=1", "not a Shopify id"],
  ])("rejects %o", (value, reason) => {
    expect(() => normaliseOrderId(value)).toThrow(InvalidShopifyIdError);
    expect(() => normaliseOrderId(value)).toThrow(reason);
  });

  it("names the value and the expected forms in its message", () => {
    expect(() => normaliseOrderId("#1001")).toThrow(
      'Invalid Order id "#1001": not a Shopify id. Expected a positive integer, its decimal string or gid://shopify/Order/<number>.',
    );
  });
});

describe("refund and customer ids", () => {
  it("accept their own global ids", () => {
    expect(normaliseRefundId("gid://shopify/Refund/77")).toBe("77");
    expect(normaliseCustomerId("gid://shopify/Customer/9")).toBe("9");
    expect(normaliseRefundId(77)).toBe("77");
  });

  it("reject another resource's global id", () => {
    expect(() => normaliseRefundId("gid://shopify/Order/77")).toThrow(
      "its resource type is Order",
    );
    expect(() => normaliseCustomerId("gid://shopify/Refund/9")).toThrow(
      "Invalid Customer id",
    );
  });
});

describe("parseShopifyId", () => {
  it("returns null instead of throwing", () => {
    expect(parseShopifyId("#1001", "Order")).toBeNull();
    expect(parseShopifyId("gid://shopify/Order/1", "Order")).toBe("1");
  });
});
