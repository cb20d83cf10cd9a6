import { createHmac, randomUUID } from "node:crypto";
import type { BatchPayload } from "../../app/ingest/payload-types";
import { restOrder, restRefund } from "../../app/orders/test-fixtures";
import { DemoRandom } from "./demo-traffic";

// Orders for the demo shop, sent as Shopify sends them: signed orders/paid
// and refunds/create webhooks to the app's real webhook routes. Sessions
// that reached the cart convert now and then; their order carries the
// session id in the `_storelens_session` cart attribute.

const PRICE = 68;
/** Share of cart sessions that buy. */
const CART_CONVERSION = 0.35;
/** Share of orders with no cart attribute, shown as unattributed. */
const UNATTRIBUTED = 0.08;
const REFUNDED = 0.06;
const CANCELLED = 0.03;

export interface DemoOrderPlan {
  topic: "orders/paid" | "refunds/create";
  payload: Record<string, unknown>;
}

/** Decides the demo's orders from the generated traffic, deterministically. */
export function planDemoOrders(
  batches: BatchPayload[],
  seed: number,
  currency: string,
): DemoOrderPlan[] {
  const random = new DemoRandom(seed + 1);
  const cartVisits = new Map<string, number>();
  for (const batch of batches) {
    for (const page of batch.pages) {
      if (page.path === "/cart" && !cartVisits.has(batch.sessionId)) {
        cartVisits.set(batch.sessionId, page.startedAt);
      }
    }
  }
  const plans: DemoOrderPlan[] = [];
  let number = 0;
  for (const [sessionId, cartAt] of cartVisits) {
    if (random.next() >= CART_CONVERSION) continue;
    number += 1;
    const quantity = 1 + Math.floor(random.next() * 3);
    const total = (PRICE * quantity).toFixed(2);
    const paidAt = new Date(cartAt + 3 * 60_000).toISOString();
    const attributed = random.next() >= UNATTRIBUTED;
    const cancelled = random.next() < CANCELLED;
    const order = restOrder(number, {
      created_at: paidAt,
      processed_at: paidAt,
      updated_at: paidAt,
      currency,
      presentment_currency: currency,
      total_price: total,
      total_price_set: {
        shop_money: { amount: total, currency_code: currency },
        presentment_money: { amount: total, currency_code: currency },
      },
      cancelled_at: cancelled ? paidAt : null,
      note_attributes: attributed
        ? [{ name: "_storelens_session", value: sessionId }]
        : [],
    });
    plans.push({ topic: "orders/paid", payload: order });
    if (!cancelled && random.next() < REFUNDED) {
      const refundedAt = new Date(cartAt + 2 * 86_400_000).toISOString();
      plans.push({
        topic: "refunds/create",
        payload: restRefund({
          number,
          orderNumber: number,
          amount: PRICE.toFixed(2),
          currency,
          createdAt: refundedAt,
        }),
      });
    }
  }
  return plans;
}

/** Posts each planned webhook, signed with the app's secret. */
export async function sendDemoOrders(options: {
  appUrl: string;
  shop: string;
  secret: string;
  plans: DemoOrderPlan[];
  onProgress?: (done: number, total: number) => void;
}): Promise<void> {
  let done = 0;
  for (const plan of options.plans) {
    const body = JSON.stringify(plan.payload);
    const hmac = createHmac("sha256", options.secret)
      .update(body, "utf8")
      .digest("base64");
    const response = await fetch(`${options.appUrl}/webhooks/${plan.topic}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": hmac,
        "X-Shopify-Topic": plan.topic,
        "X-Shopify-Shop-Domain": options.shop,
        "X-Shopify-API-Version": "2025-10",
        "X-Shopify-Webhook-Id": randomUUID(),
        "X-Shopify-Triggered-At": new Date().toISOString(),
      },
      body,
    });
    if (!response.ok) {
      throw new Error(
        `${plan.topic} webhook failed with ${response.status}: ${await response.text()}`,
      );
    }
    options.onProgress?.(++done, options.plans.length);
  }
}
