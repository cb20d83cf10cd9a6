import { planDemoOrders } from "./demo-orders";
import { exposedVisits, extraOrders } from "./demo-experiment";
import { generateDemoTraffic } from "./demo-traffic";

const traffic = {
  shop: "demo.myshopify.com",
  sessions: 600,
  seed: 20261204,
  now: new Date(Date.UTC(2026, 10, 30, 12)),
  days: 14,
};

describe("demo experiment", () => {
  const batches = generateDemoTraffic(traffic);
  const visits = exposedVisits(batches);
  const plans = planDemoOrders(batches, traffic.seed, "USD");

  it("exposes each product-page visit once, near 50/50", () => {
    const sessions = new Set(visits.map((visit) => visit.batch.sessionId));
    expect(sessions.size).toBe(visits.length);
    const control = visits.filter((visit) => visit.variant === "control");
    const share = control.length / visits.length;
    expect(visits.length).toBeGreaterThan(100);
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
  });

  it("adds orders only to treatment visits without one", () => {
    const extra = extraOrders(visits, plans, traffic.seed);
    const sessionOf = (payload: Record<string, unknown>) =>
      (payload.note_attributes as { value: string }[] | undefined)?.[0]?.value;
    const buyers = new Set(plans.map((plan) => sessionOf(plan.payload)));
    const variants = new Map(
      visits.map((visit) => [visit.batch.sessionId, visit.variant]),
    );
    expect(extra.length).toBeGreaterThan(0);
    for (const order of extra) {
      const session = sessionOf(order.payload) ?? "";
      expect(variants.get(session)).toBe("sticky-bar");
      expect(buyers.has(session)).toBe(false);
    }
  });

  it("repeats exactly from its seed", () => {
    const again = extraOrders(
      exposedVisits(generateDemoTraffic(traffic)),
      plans,
      traffic.seed,
    );
    expect(again).toEqual(extraOrders(visits, plans, traffic.seed));
  });
});
