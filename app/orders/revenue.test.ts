import {
  countsAsRevenue,
  netRevenue,
  type RevenueOrder,
  type RevenueRefund,
} from "./revenue";

const T0 = new Date("2026-11-02T10:00:00Z");
const days = (count: number) =>
  new Date(T0.getTime() + count * 24 * 3600 * 1000);

function order(id: string, overrides: Partial<RevenueOrder> = {}) {
  return {
    id,
    totalPrice: "20.00",
    currency: "EUR",
    cancelledAt: null,
    test: false,
    financialStatus: "paid",
    ...overrides,
  } satisfies RevenueOrder;
}

describe("netRevenue", () => {
  it("subtracts a full refund and ignores a cancelled order", () => {
    const orders = [
      order("1"),
      order("2"),
      order("3"),
      order("4", { financialStatus: "refunded" }),
      order("5"),
      order("6", { cancelledAt: days(0), financialStatus: "voided" }),
    ];
    const refunds: RevenueRefund[] = [
      { orderId: "4", amount: "20.00", test: false },
    ];
    const totals = netRevenue(orders, refunds);
    expect(totals.gross.toFixed(2)).toBe("100.00");
    expect(totals.refunds.toFixed(2)).toBe("20.00");
    expect(totals.net.toFixed(2)).toBe("80.00");
    expect(totals.orders).toBe(5);
    expect(totals.currency).toBe("EUR");
  });

  it("counts nothing of a test order refunded in test mode", () => {
    const orders = [
      order("1", {
        totalPrice: "50.00",
        test: true,
        financialStatus: "refunded",
      }),
      order("2", { totalPrice: "30.00" }),
    ];
    const refunds = [{ orderId: "1", amount: "50.00", test: true }];
    const totals = netRevenue(orders, refunds);
    expect(totals.orders).toBe(1);
    expect(totals.gross.toFixed(2)).toBe("30.00");
    expect(totals.net.toFixed(2)).toBe("30.00");
    expect(totals.refunds.toFixed(2)).toBe("0.00");
  });

  it("ignores a test refund of a real order", () => {
    const totals = netRevenue(
      [order("1")],
      [{ orderId: "1", amount: "5.00", test: true }],
    );
    expect(totals.net.toFixed(2)).toBe("20.00");
  });

  it("treats a voided order like a cancelled one", () => {
    const totals = netRevenue(
      [
        order("1", { financialStatus: "voided" }),
        order("2"),
        order("3", { financialStatus: "VOIDED" }),
      ],
      [],
    );
    expect(totals.orders).toBe(1);
    expect(totals.gross.toFixed(2)).toBe("20.00");
  });

  it("ignores refunds of cancelled orders", () => {
    const totals = netRevenue(
      [order("1", { cancelledAt: days(1) }), order("2")],
      [{ orderId: "1", amount: "20.00", test: false }],
    );
    expect(totals.refunds.toFixed(2)).toBe("0.00");
    expect(totals.net.toFixed(2)).toBe("20.00");
  });

  it("subtracts partial refunds exactly", () => {
    const totals = netRevenue(
      [order("1", { totalPrice: "19.99" })],
      [
        { orderId: "1", amount: "0.10", test: false },
        { orderId: "1", amount: "0.20", test: false },
      ],
    );
    expect(totals.net.toFixed(2)).toBe("19.69");
  });

  it("counts a repeated order once", () => {
    const totals = netRevenue([order("1"), order("1")], []);
    expect(totals.orders).toBe(1);
    expect(totals.gross.toFixed(2)).toBe("20.00");
  });

  it("returns zeros without orders", () => {
    const totals = netRevenue([], []);
    expect(totals.currency).toBeNull();
    expect(totals.net.toFixed(2)).toBe("0.00");
    expect(totals.orders).toBe(0);
  });

  it("rejects orders in two currencies", () => {
    expect(() =>
      netRevenue([order("1"), order("2", { currency: "USD" })], []),
    ).toThrow("Order 2 is in USD, but earlier orders are in EUR");
  });
});

describe("countsAsRevenue by financial status", () => {
  it.each([
    ["authorized", true],
    ["paid", true],
    ["partially_paid", true],
    ["partially_refunded", true],
    ["refunded", true],
    ["PAID", true],
    [null, true],
    ["pending", false],
    ["PENDING", false],
    ["expired", false],
    ["voided", false],
    ["on_hold", false],
  ])("%s counts: %s", (financialStatus, counts) => {
    expect(countsAsRevenue(order("1", { financialStatus }))).toBe(counts);
  });

  it("leaves pending and expired orders out of the totals", () => {
    const totals = netRevenue(
      [
        order("1"),
        order("2", { financialStatus: "pending" }),
        order("3", { financialStatus: "expired" }),
      ],
      [{ orderId: "2", amount: "5.00", test: false }],
    );
    expect(totals.orders).toBe(1);
    expect(totals.gross.toFixed(2)).toBe("20.00");
    expect(totals.refunds.toFixed(2)).toBe("0.00");
  });
});
