import { generateDemoTraffic } from "./demo-traffic";
import { planDemoOrders } from "./demo-orders";

const traffic = generateDemoTraffic({
  shop: "storelens-demo.myshopify.com",
  sessions: 400,
  seed: 7,
  now: new Date("2026-12-01T12:00:00Z"),
  days: 14,
});

describe("planDemoOrders", () => {
  const plans = planDemoOrders(traffic, 7, "USD");
  const orders = plans.filter((plan) => plan.topic === "orders/paid");
  const refunds = plans.filter((plan) => plan.topic === "refunds/create");

  it("gives the same orders for the same seed", () => {
    expect(planDemoOrders(traffic, 7, "USD")).toEqual(plans);
  });

  it("orders only sessions that reached the cart", () => {
    const cartSessions = new Set(
      traffic
        .filter((batch) => batch.pages.some((page) => page.path === "/cart"))
        .map((batch) => batch.sessionId),
    );
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.length).toBeLessThan(cartSessions.size);
    for (const order of orders) {
      const attributes = order.payload.note_attributes as {
        name: string;
        value: string;
      }[];
      for (const attribute of attributes) {
        expect(attribute.name).toBe("_storelens_session");
        expect(cartSessions.has(attribute.value)).toBe(true);
      }
    }
  });

  it("refunds only orders it placed", () => {
    const orderIds = new Set(orders.map((order) => order.payload.id));
    for (const refund of refunds) {
      expect(orderIds.has(refund.payload.order_id)).toBe(true);
    }
  });

  it("prices orders in the shop's currency", () => {
    for (const order of orders) {
      const set = order.payload.total_price_set as {
        shop_money: { currency_code: string; amount: string };
      };
      expect(set.shop_money.currency_code).toBe("USD");
      expect(Number(set.shop_money.amount) % 68).toBe(0);
    }
  });
});
